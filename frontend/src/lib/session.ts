// The signed-in user's token and profile, kept in localStorage so every tab shares them.
import type { User } from "../api/client";

const TOKEN = "todo.token";
const USER = "todo.user";

export interface Session {
  token: string;
  user: User;
}

export function getToken(): string | null {
  return localStorage.getItem(TOKEN);
}

export function loadSession(): Session | null {
  const token = localStorage.getItem(TOKEN);
  const user = localStorage.getItem(USER);
  if (!token || !user) return null;
  try {
    return { token, user: JSON.parse(user) as User };
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  // The user first: other tabs react to the token's change and must find both.
  localStorage.setItem(USER, JSON.stringify(session.user));
  localStorage.setItem(TOKEN, session.token);
}

export function clearSession(): void {
  localStorage.removeItem(TOKEN);
  localStorage.removeItem(USER);
}

/** Another tab signed in or out. */
export function onSessionChange(handler: () => void): () => void {
  const listener = (e: StorageEvent) => {
    if (e.key === TOKEN || e.key === null) handler();
  };
  window.addEventListener("storage", listener);
  return () => window.removeEventListener("storage", listener);
}
