// The shell: who is signed in, which screen shows, and the tab's one live connection.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { onUnauthorized } from "./api/client";
import { AuthPage } from "./components/AuthPage";
import { HistoryPage } from "./components/HistoryPage";
import { TasksPage } from "./components/TasksPage";
import { Icon } from "./components/Icon";
import { ToastProvider, useToast } from "./components/Toasts";
import { LiveBus, LiveContext } from "./lib/bus";
import { LiveConnection, type LiveStatus, liveUrl } from "./lib/live";
import { notificationPermission, type Permission, requestNotifications, showReminder } from "./lib/reminders";
import { Link, navigate, useLocation } from "./lib/router";
import { clearSession, loadSession, onSessionChange, type Session } from "./lib/session";

export function App() {
  return (
    <ToastProvider>
      <Shell />
    </ToastProvider>
  );
}

function loginPath(): string {
  // The screen, not its search: on a shared computer the next person to log in should not
  // land on the previous one's search terms and tags.
  const here = window.location.pathname;
  return here === "/" || here.startsWith("/login") || here.startsWith("/signup")
    ? "/login"
    : `/login?next=${encodeURIComponent(here)}`;
}

function Shell() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const { pathname, search } = useLocation();
  const toast = useToast();
  const bus = useMemo(() => new LiveBus(), []);

  const signOut = useCallback(
    (expired: boolean) => {
      clearSession();
      setSession(null);
      toast.clear();
      navigate(expired ? loginPath() : "/login", { replace: expired });
    },
    [toast],
  );

  useEffect(() => {
    onUnauthorized(() => {
      const hadSession = loadSession() !== null;
      signOut(true);
      if (hadSession) toast.show("error", "Your session has ended. Please log in again.");
    });
  }, [signOut, toast]);

  // Signing in or out in another tab applies here too.
  useEffect(
    () =>
      onSessionChange(() => {
        const now = loadSession();
        setSession(now);
        if (!now) navigate("/login", { replace: true });
      }),
    [],
  );

  const expire = useCallback(() => signOut(true), [signOut]);

  const publicRoute = pathname === "/login" || pathname === "/signup";
  useEffect(() => {
    if (!session && !publicRoute) navigate(loginPath(), { replace: true });
    if (session && publicRoute) navigate("/", { replace: true });
  }, [session, publicRoute]);

  if (!session || publicRoute) {
    if (!publicRoute) return null;
    return (
      <AuthPage mode={pathname === "/signup" ? "signup" : "login"} next={search.get("next") ?? "/"} onSignedIn={setSession} />
    );
  }

  const history = /^\/tasks\/(\d+)\/history\/?$/.exec(pathname);
  return (
    <LiveContext.Provider value={bus}>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <Header session={session} bus={bus} onSignOut={() => signOut(false)} onExpired={expire} />
      {pathname === "/" ? (
        <TasksPage />
      ) : history ? (
        <HistoryPage taskId={Number(history[1])} key={history[1]} />
      ) : (
        <main id="main" className="not-found">
          <h1>Page not found</h1>
          <p>
            <Link to="/">Go to your tasks</Link>
          </p>
        </main>
      )}
    </LiveContext.Provider>
  );
}

function Header({
  session,
  bus,
  onSignOut,
  onExpired,
}: {
  session: Session;
  bus: LiveBus;
  onSignOut: () => void;
  onExpired: () => void;
}) {
  const toast = useToast();
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const [permission, setPermission] = useState<Permission>(notificationPermission);

  useEffect(() => {
    const connection = new LiveConnection(liveUrl(), {
      update: (message) => bus.emit({ kind: "update", message }),
      resync: () => bus.emit({ kind: "resync" }),
      reminder: (message) =>
        showReminder(
          message,
          (title, body) => toast.show("reminder", title, body),
          () => navigate(`/tasks/${message.task_id}/history`),
        ),
      unauthorized: onExpired,
      status: setStatus,
    }, { token: session.token });
    connection.start();
    return () => connection.stop();
  }, [session.token, bus, toast, onExpired]);

  const [announced, setAnnounced] = useState("");
  const wasLive = useRef(false);
  useEffect(() => {
    if (status === "live" && !wasLive.current) {
      wasLive.current = true;
      setAnnounced((before) => (before ? "Live updates are back." : ""));
    } else if (status === "offline" && wasLive.current) {
      wasLive.current = false;
      setAnnounced("Live updates lost; retrying.");
    }
  }, [status]);

  const enable = async () => setPermission(await requestNotifications());

  return (
    <header className="app-header">
      <Link to="/" className="brand">
        <span className="brand-mark" aria-hidden="true">
          <Icon name="check" size={18} />
        </span>{" "}
        Todo
      </Link>
      <span className={`live live-${status}`} title="Live updates from your other tabs and devices">
        <span className="live-dot" aria-hidden="true" />
        {status === "live" ? "Live" : status === "connecting" ? "Connecting…" : "Offline, retrying…"}
      </span>
      {/* Screen readers hear when live updates are lost and when they are back, not every retry. */}
      <span className="visually-hidden" role="status">
        {announced}
      </span>
      <div className="header-end">
        {permission === "default" && (
          <button type="button" className="quiet" onClick={() => void enable()}>
            <Icon name="bell" />
            <span className="narrow-hidden">Enable reminders</span>
          </button>
        )}
        <span className="user" title={session.user.email}>
          {session.user.name || session.user.email}
        </span>
        <button type="button" onClick={onSignOut}>
          Log out
        </button>
      </div>
    </header>
  );
}
