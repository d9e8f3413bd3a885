// Short messages at the bottom of the screen, read out by screen readers.
import { createContext, type ReactNode, useCallback, useContext, useMemo, useRef, useState } from "react";

export type ToastKind = "info" | "error" | "reminder";

export interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  body?: string;
}

interface ToastApi {
  show(kind: ToastKind, title: string, body?: string): void;
}

const ToastContext = createContext<ToastApi>({ show: () => {} });

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
    }),
    [dismiss],
  );

  return (
    <ToastContext.Provider value={api}>
      {children}
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
      </div>
    </ToastContext.Provider>
  );
}
