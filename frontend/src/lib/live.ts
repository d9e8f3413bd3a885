// One WebSocket per tab to /ws: task-updates and reminders of the signed-in user.
// Reconnects with exponential backoff and jitter; after any gap the caller refetches,
// because messages sent while the socket was down are not replayed.

export interface TaskUpdateMessage {
  event_id: string;
  user_id: number;
  task_id: number;
  action: "created" | "updated" | "deleted";
  timestamp: string;
}

export interface ReminderMessage {
  action: "reminder";
  task_id: number;
  title: string;
  due_date: string | null;
  remind_at: string;
}

export type LiveStatus = "connecting" | "live" | "offline";

export interface LiveHandlers {
  update(message: TaskUpdateMessage): void;
  reminder(message: ReminderMessage): void;
  /** Connected again after a gap: anything may have changed meanwhile. */
  resync(): void;
  /** The server refused the token (close code 4401 or 1008). */
  unauthorized(): void;
  status?(status: LiveStatus): void;
}

export interface LiveOptions {
  WebSocket?: typeof WebSocket;
  minDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
}

export const CLOSE_UNAUTHORIZED = [4401, 1008];

export function liveUrl(token: string, location: Location = window.location): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws?token=${encodeURIComponent(token)}`;
}

export class LiveConnection {
  private socket: WebSocket | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private attempts = 0;
  private hadSession = false;
  private stopped = true;
  private readonly Socket: typeof WebSocket;
  private readonly minDelay: number;
  private readonly maxDelay: number;
  private readonly random: () => number;

  constructor(
    private readonly url: string,
    private readonly handlers: LiveHandlers,
    options: LiveOptions = {},
  ) {
    this.Socket = options.WebSocket ?? WebSocket;
    this.minDelay = options.minDelayMs ?? 500;
    this.maxDelay = options.maxDelayMs ?? 30_000;
    this.random = options.random ?? Math.random;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener("online", this.reconnectNow);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener("online", this.reconnectNow);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = socket.onmessage = socket.onerror = socket.onopen = null;
      socket.close(1000, "bye");
    }
  }

  /** The delay before reconnect attempt n (0-based): doubling, capped, with 50-100% jitter. */
  delay(attempt: number): number {
    const base = Math.min(this.maxDelay, this.minDelay * 2 ** attempt);
    return Math.round(base * (0.5 + this.random() / 2));
  }

  private readonly reconnectNow = () => {
    if (this.stopped || this.socket) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.connect();
  };

  private connect(): void {
    this.handlers.status?.("connecting");
    const socket = new this.Socket(this.url);
    this.socket = socket;
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      if (CLOSE_UNAUTHORIZED.includes(event.code)) {
        this.stopped = true;
        this.handlers.status?.("offline");
        this.handlers.unauthorized();
        return;
      }
      this.handlers.status?.("offline");
      const wait = this.delay(this.attempts++);
      this.timer = setTimeout(() => {
        this.timer = null;
        if (!this.stopped) this.connect();
      }, wait);
    };
  }

  private receive(raw: unknown): void {
    let message: { action?: string };
    try {
      message = JSON.parse(String(raw)) as { action?: string };
    } catch {
      return;
    }
    switch (message.action) {
      case "hello":
        // Updates may have been missed while there was no socket: after an earlier session,
        // and also when the very first connection only succeeded after failed attempts.
        if (this.hadSession || this.attempts > 0) this.handlers.resync();
        this.attempts = 0;
        this.handlers.status?.("live");
        this.hadSession = true;
        return;
      case "created":
      case "updated":
      case "deleted":
        this.handlers.update(message as TaskUpdateMessage);
        return;
      case "reminder":
        this.handlers.reminder(message as ReminderMessage);
        return;
    }
  }
}
