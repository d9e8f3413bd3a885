// One WebSocket per tab to /ws: task-updates and reminders of the signed-in user.
// Reconnects with exponential backoff and jitter; after any gap the caller refetches,
// because messages sent while the socket was down are not replayed. A ping every 25 s (and
// when the network or the tab comes back) that gets no pong within 10 s means the connection
// died silently (a laptop's sleep, a changed network): it is dropped and made again.

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
  heartbeatMs?: number;
  pongTimeoutMs?: number;
  /** Sent as the first message: a token in the URL would end up in proxies' access logs. */
  token?: string;
}

const PING = JSON.stringify({ action: "ping" });

export const CLOSE_UNAUTHORIZED = [4401, 1008];

export function liveUrl(location: Location = window.location): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws`;
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
  private readonly heartbeatMs: number;
  private readonly pongTimeoutMs: number;
  private readonly token: string | undefined;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private pongTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly url: string,
    private readonly handlers: LiveHandlers,
    options: LiveOptions = {},
  ) {
    this.Socket = options.WebSocket ?? WebSocket;
    this.minDelay = options.minDelayMs ?? 500;
    this.maxDelay = options.maxDelayMs ?? 30_000;
    this.random = options.random ?? Math.random;
    this.heartbeatMs = options.heartbeatMs ?? 25_000;
    this.pongTimeoutMs = options.pongTimeoutMs ?? 10_000;
    this.token = options.token;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener("online", this.checkNow);
    document.addEventListener("visibilitychange", this.checkNow);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener("online", this.checkNow);
    document.removeEventListener("visibilitychange", this.checkNow);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.stopHeartbeat();
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

  /** Back online or back in view: connect now if down, else make sure the socket still works. */
  private readonly checkNow = () => {
    if (this.stopped || document.visibilityState === "hidden") return;
    if (this.socket) {
      this.ping();
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.connect();
  };

  private ping(): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== this.Socket.OPEN || this.pongTimer) return;
    socket.send(PING);
    this.pongTimer = setTimeout(() => {
      this.pongTimer = null;
      if (this.socket !== socket) return;
      // No answer: the connection is dead although nothing said so. Drop it without waiting
      // for a closing handshake that will never come, and connect again.
      socket.onclose = socket.onmessage = socket.onerror = socket.onopen = null;
      socket.close(4000, "no pong");
      this.lost(socket, 4000);
    }, this.pongTimeoutMs);
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.pongTimer) clearTimeout(this.pongTimer);
    this.heartbeat = this.pongTimer = null;
  }

  private connect(): void {
    this.handlers.status?.("connecting");
    const socket = new this.Socket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      if (this.token !== undefined) socket.send(JSON.stringify({ action: "auth", token: this.token }));
    };
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = (event) => this.lost(socket, event.code);
  }

  private lost(socket: WebSocket, code: number): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.stopHeartbeat();
    if (this.stopped) return;
    if (CLOSE_UNAUTHORIZED.includes(code)) {
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
        this.stopHeartbeat();
        this.heartbeat = setInterval(() => this.ping(), this.heartbeatMs);
        return;
      case "pong":
        if (this.pongTimer) clearTimeout(this.pongTimer);
        this.pongTimer = null;
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
