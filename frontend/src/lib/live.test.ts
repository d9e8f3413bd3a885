import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeSocket } from "../test/api";
import { LiveConnection, type LiveHandlers, liveUrl } from "./live";

function handlers() {
  return {
    update: vi.fn(),
    reminder: vi.fn(),
    resync: vi.fn(),
    unauthorized: vi.fn(),
    status: vi.fn(),
  } satisfies LiveHandlers;
}

describe("the live connection", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.all = [];
  });
  afterEach(() => vi.useRealTimers());

  const open = (h: LiveHandlers) => {
    const live = new LiveConnection("ws://x/ws", h, {
      WebSocket: FakeSocket as unknown as typeof WebSocket,
      random: () => 1,
      token: "t",
    });
    live.start();
    return live;
  };

  it("builds the URL from the page's origin", () => {
    expect(liveUrl({ protocol: "https:", host: "todo.example" } as Location)).toBe("wss://todo.example/ws");
  });

  it("sends the token as its first message, never in the URL", () => {
    open(handlers());
    expect(FakeSocket.last.url).toBe("ws://x/ws");
    FakeSocket.last.onopen?.(new Event("open"));
    expect(FakeSocket.last.sent).toEqual(['{"action":"auth","token":"t"}']);
  });

  it("passes task updates and reminders on", () => {
    const h = handlers();
    open(h);
    FakeSocket.last.receive({ action: "hello", user_id: 1 });
    expect(h.status).toHaveBeenLastCalledWith("live");
    FakeSocket.last.receive({ event_id: "e", user_id: 1, task_id: 4, action: "updated", timestamp: "t" });
    FakeSocket.last.receive({ action: "reminder", task_id: 4, title: "Call", due_date: null, remind_at: "t" });
    FakeSocket.last.onmessage?.(new MessageEvent("message", { data: "not json" }));
    expect(h.update).toHaveBeenCalledWith(expect.objectContaining({ task_id: 4, action: "updated" }));
    expect(h.reminder).toHaveBeenCalledWith(expect.objectContaining({ title: "Call" }));
    expect(h.resync).not.toHaveBeenCalled();
  });

  it("pings, and drops a connection that no longer answers", () => {
    const h = handlers();
    open(h);
    FakeSocket.last.receive({ action: "hello", user_id: 1 });
    const first = FakeSocket.last;
    vi.advanceTimersByTime(25_000);
    expect(first.sent).toEqual(['{"action":"ping"}']);
    first.receive({ action: "pong" });
    vi.advanceTimersByTime(10_000);
    expect(first.closed).toBe(false); // answered: still the same socket
    vi.advanceTimersByTime(15_000); // the next ping gets no answer
    expect(first.sent).toHaveLength(2);
    vi.advanceTimersByTime(10_000);
    expect(first.closed).toBe(true);
    expect(h.status).toHaveBeenLastCalledWith("offline");
    vi.advanceTimersByTime(500);
    expect(FakeSocket.all).toHaveLength(2); // connecting again
    FakeSocket.last.receive({ action: "hello", user_id: 1 });
    expect(h.resync).toHaveBeenCalledTimes(1);
  });

  it("resyncs when the first connection only succeeds after failed attempts", () => {
    const h = handlers();
    open(h);
    FakeSocket.last.drop(); // e.g. the realtime service is not up yet
    vi.advanceTimersByTime(500);
    FakeSocket.last.receive({ action: "hello", user_id: 1 });
    expect(h.resync).toHaveBeenCalledTimes(1);
  });

  it("reconnects with growing delays and resyncs after the gap", () => {
    const h = handlers();
    open(h);
    FakeSocket.last.receive({ action: "hello", user_id: 1 });
    FakeSocket.last.drop();
    expect(h.status).toHaveBeenLastCalledWith("offline");
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(499);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.last.drop(); // still down: wait twice as long
    vi.advanceTimersByTime(999);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(3);
    FakeSocket.last.receive({ action: "hello", user_id: 1 });
    expect(h.resync).toHaveBeenCalledTimes(1);
    FakeSocket.last.drop(); // delays start over after a good connection
    vi.advanceTimersByTime(500);
    expect(FakeSocket.all).toHaveLength(4);
  });

  it("caps the delay and adds jitter", () => {
    const live = new LiveConnection("ws://x", handlers(), { random: () => 0, maxDelayMs: 30_000 });
    expect(live.delay(0)).toBe(250);
    expect(live.delay(20)).toBe(15_000);
  });

  it("stops on an invalid token instead of retrying", () => {
    const h = handlers();
    open(h);
    FakeSocket.last.drop(4401);
    vi.advanceTimersByTime(60_000);
    expect(h.unauthorized).toHaveBeenCalledTimes(1);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it("closes and stays closed when stopped", () => {
    const h = handlers();
    const live = open(h);
    const socket = FakeSocket.last;
    live.stop();
    expect(socket.closed).toBe(true);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it("reconnects at once when the browser is back online", () => {
    const h = handlers();
    open(h);
    FakeSocket.last.drop();
    window.dispatchEvent(new Event("online"));
    expect(FakeSocket.all).toHaveLength(2);
  });
});
