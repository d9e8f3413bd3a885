// A fake API for component tests: routes by method and path, records every request.
import { vi } from "vitest";
import type { Task } from "../api/client";

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
}

type Reply = { status?: number; body?: unknown; headers?: Record<string, string> };
type Handler = (call: Call) => Reply | Promise<Reply>;

export function problem(status: number, detail: string, errors: unknown[] | null = null): Reply {
  return { status, body: { type: "about:blank", title: "Error", status, detail, errors } };
}

export function mockApi(routes: Record<string, Handler>) {
  const calls: Call[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL) => {
    const request = input instanceof Request ? input : new Request(input);
    const url = new URL(request.url);
    const text = request.method === "GET" || request.method === "HEAD" ? "" : await request.text();
    const call: Call = {
      method: request.method,
      path: url.pathname,
      query: url.searchParams,
      headers: request.headers,
      body: text ? JSON.parse(text) : undefined,
    };
    calls.push(call);
    const key = `${call.method} ${call.path}`;
    const handler =
      routes[key] ??
      Object.entries(routes).find(([pattern]) => new RegExp(`^${pattern.replace(/\{\w+\}/g, "[^/]+")}$`).test(key))?.[1];
    const reply = handler ? await handler(call) : problem(404, `no fake route for ${key}`);
    const status = reply.status ?? 200;
    const type = status >= 400 ? "application/problem+json" : "application/json";
    return new Response(status === 204 ? null : JSON.stringify(reply.body ?? {}), {
      status,
      headers: { "content-type": type, ...reply.headers },
    });
  });
  vi.stubGlobal("fetch", fetch);
  return { calls, fetch };
}

let nextId = 1;
export function task(fields: Partial<Task> = {}): Task {
  const id = fields.id ?? nextId++;
  return {
    id,
    title: `Task ${id}`,
    description: "",
    completed: false,
    priority: "none",
    tags: [],
    due_at: null,
    remind_at: null,
    recurrence: null,
    time_zone: "UTC",
    series_id: null,
    created_at: "2030-01-01T10:00:00Z",
    updated_at: "2030-01-01T10:00:00Z",
    completed_at: null,
    version: 1,
    ...fields,
  };
}

export function page(items: Task[], total = items.length, pageNumber = 1, size = 20) {
  return { body: { items, total, page: pageNumber, page_size: size } };
}

export function signIn(): void {
  localStorage.setItem("todo.token", "test-token");
  localStorage.setItem(
    "todo.user",
    JSON.stringify({ id: 1, email: "me@example.com", name: "", created_at: "2030-01-01T00:00:00Z" }),
  );
}

/** A WebSocket stand-in the tests drive by hand. */
export class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: ((e: Event) => void) | null = null;
  onmessage: ((e: MessageEvent) => void) | null = null;
  onclose: ((e: CloseEvent) => void) | null = null;
  onerror: ((e: Event) => void) | null = null;
  static OPEN = 1;
  readyState = 1;
  closed = false;
  sent: string[] = [];
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.closed = true;
  }
  receive(message: unknown): void {
    this.onmessage?.(new MessageEvent("message", { data: JSON.stringify(message) }));
  }
  drop(code = 1006): void {
    this.onclose?.(new CloseEvent("close", { code }));
  }
  static get last(): FakeSocket {
    return FakeSocket.all[FakeSocket.all.length - 1]!;
  }
}
