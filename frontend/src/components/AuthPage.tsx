// Sign up and log in: one form, two modes.
import { type FormEvent, useEffect, useRef, useState } from "react";
import { api, errorMessage, unwrap } from "../api/client";
import { Link, navigate } from "../lib/router";
import { type Session, saveSession } from "../lib/session";
import { Icon } from "./Icon";

export function AuthPage({
  mode,
  next,
  onSignedIn,
}: {
  mode: "login" | "signup";
  next: string;
  onSignedIn: (session: Session) => void;
}) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const signup = mode === "signup";

  useEffect(() => {
    document.title = signup ? "Sign up · Todo" : "Log in · Todo";
    setError(null);
    heading.current?.focus();
  }, [signup]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const token = signup
        ? await unwrap(api.POST("/api/auth/signup", { body: { email, password, name } }))
        : await unwrap(api.POST("/api/auth/login", { body: { email, password } }));
      const session = { token: token.access_token, user: token.user };
      saveSession(session);
      onSignedIn(session);
      navigate(next.startsWith("/") && !next.startsWith("//") ? next : "/", { replace: true });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const other = signup ? "/login" : "/signup";
  const nextQuery = next !== "/" ? `?next=${encodeURIComponent(next)}` : "";

  return (
    <main id="main" className="auth">
      <div className="auth-card">
        <p className="brand" aria-hidden="true">
          <span className="brand-mark">
            <Icon name="check" size={18} />
          </span>{" "}
          Todo
        </p>
        <h1 ref={heading} tabIndex={-1}>
          {signup ? "Create your account" : "Log in"}
        </h1>
        <form onSubmit={submit} aria-describedby={error ? "auth-error" : undefined}>
          {signup && (
            <div className="field">
              <label htmlFor="auth-name">Name (optional)</label>
              <input id="auth-name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
            </div>
          )}
          <div className="field">
            <label htmlFor="auth-email">Email</label>
            <input
              id="auth-email"
              type="email"
              autoComplete={signup ? "email" : "username"}
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="auth-password">Password</label>
            <input
              id="auth-password"
              type="password"
              autoComplete={signup ? "new-password" : "current-password"}
              required
              minLength={signup ? 8 : undefined}
              aria-describedby={signup ? "auth-password-hint" : undefined}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            {signup && (
              <p id="auth-password-hint" className="hint">
                At least 8 characters.
              </p>
            )}
          </div>
          {error && (
            <p id="auth-error" className="error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="primary wide" disabled={busy}>
            {busy ? "Please wait…" : signup ? "Sign up" : "Log in"}
          </button>
        </form>
        <p className="auth-switch">
          {signup ? "Already have an account? " : "New here? "}
          <Link to={other + nextQuery}>{signup ? "Log in" : "Create an account"}</Link>
        </p>
      </div>
    </main>
  );
}
