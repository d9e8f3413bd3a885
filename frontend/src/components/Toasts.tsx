// Short messages at the bottom of the screen, read out by screen readers.
import { createContext, type ReactNode, useCallback, useContext, useMemo, useRef, useState } from "react";
import { createPortal } from "react-dom";

export type ToastKind = "info" | "error" | "reminder";

export interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  body?: string;
}

interface ToastApi {
  show(kind: ToastKind, title: string, body?: string): void;
  /** Remove every message (signing out: the next person must not see reminder titles). */
  clear(): void;
}

const ToastContext = createContext<ToastApi>({ show: () => {}, clear: () => {} });

export function useToast(): ToastApi {
  return useContext(ToastContext);
}

const LIFETIME: Record<ToastKind, number> = { info: 5000, error: 8000, reminder: 30000 };

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);

  const dismiss = useCallback((id: number) => {
    setToasts((list) => list.filter((t) => t.id !== id));
  }, []);

  const api = useMemo<ToastApi>(
    () => ({
      show(kind, title, body) {
        const id = next.current++;
        setToasts((list) => [...list.slice(-3), { id, kind, title, body }]);
        setTimeout(() => dismiss(id), LIFETIME[kind]);
      },
      clear() {
        setToasts([]);
      },
    }),
    [dismiss],
  );

  return (
    <ToastContext.Provider value={api}>
      {children}
      {/* On <body>, outside #root: an open dialog makes #root inert and hidden from screen
          readers, and a reminder or an error must still be read out and dismissible. */}
      {createPortal(
        <div className="toasts" role="status" aria-live="polite">
          {toasts.map((t) => (
            <div key={t.id} className={`toast toast-${t.kind}`} data-testid={`toast-${t.kind}`}>
              <div>
                <strong>{t.title}</strong>
                {t.body && <div className="toast-body">{t.body}</div>}
              </div>
              <button
                type="button"
                className="icon-button"
                aria-label={`Dismiss: ${t.title}`}
                onClick={() => dismiss(t.id)}
              >
                ×
              </button>
            </div>
          ))}
        </div>,
        document.body,
      )}
    </ToastContext.Provider>
  );
}
