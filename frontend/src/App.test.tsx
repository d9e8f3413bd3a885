import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { FakeSocket, mockApi, page, problem, signIn, task } from "./test/api";

beforeEach(() => {
  FakeSocket.all = [];
  vi.stubGlobal("WebSocket", FakeSocket);
});

const tags = () => ({ body: { items: [] } });

describe("the app shell", () => {
  it("sends a signed-out visitor to the login, remembering the deep link", async () => {
    window.history.replaceState(null, "", "/tasks/4/history");
    render(<App />);
    expect(await screen.findByRole("heading", { name: "Log in" })).toBeInTheDocument();
    expect(window.location.pathname + window.location.search).toBe("/login?next=%2Ftasks%2F4%2Fhistory");
  });

  it("opens one live socket with the token, and logs out", async () => {
    mockApi({ "GET /api/tasks": () => page([]), "GET /api/tags": tags });
    signIn();
    render(<App />);
    await screen.findByText("No tasks yet.");
    expect(FakeSocket.all).toHaveLength(1);
    expect(FakeSocket.last.url).toMatch(/\/ws$/); // the token goes in the first message
    act(() => FakeSocket.last.onopen?.(new Event("open")));
    expect(FakeSocket.last.sent).toEqual(['{"action":"auth","token":"test-token"}']);
    act(() => FakeSocket.last.receive({ action: "hello", user_id: 1 }));
    expect(screen.getByText("Live")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Log out" }));
    expect(localStorage.getItem("todo.token")).toBeNull();
    expect(FakeSocket.last.closed).toBe(true);
    expect(await screen.findByRole("heading", { name: "Log in" })).toBeInTheDocument();
  });

  it("goes to the login when the API answers 401", async () => {
    mockApi({ "GET /api/tasks": () => problem(401, "token expired"), "GET /api/tags": tags });
    signIn();
    render(<App />);
    expect(await screen.findByRole("heading", { name: "Log in" })).toBeInTheDocument();
    expect(localStorage.getItem("todo.token")).toBeNull();
    expect(screen.getByText("Your session has ended. Please log in again.")).toBeInTheDocument();
  });

  it("shows a reminder as a system notification when allowed", async () => {
    const shown: { title: string; options?: NotificationOptions }[] = [];
    class FakeNotification {
      static permission: NotificationPermission = "granted";
      static requestPermission = vi.fn();
      onclick: (() => void) | null = null;
      constructor(title: string, options?: NotificationOptions) {
        shown.push({ title, options });
      }
      close() {}
    }
    vi.stubGlobal("Notification", FakeNotification);
    mockApi({ "GET /api/tasks": () => page([task()]), "GET /api/tags": tags });
    signIn();
    render(<App />);
    act(() => FakeSocket.last.receive({ action: "reminder", task_id: 3, title: "Call", due_date: null, remind_at: "x" }));
    expect(shown).toEqual([{ title: "Reminder: Call", options: { body: "No due date", tag: "todo-reminder-3" } }]);
    expect(screen.queryByTestId("toast-reminder")).not.toBeInTheDocument();
  });

  it("shows a reminder in the page when notifications are not allowed, and offers to enable them", async () => {
    class FakeNotification {
      static permission: NotificationPermission = "default";
      static requestPermission = vi.fn(async () => {
        FakeNotification.permission = "granted";
        return "granted" as const;
      });
    }
    vi.stubGlobal("Notification", FakeNotification);
    mockApi({ "GET /api/tasks": () => page([]), "GET /api/tags": tags });
    signIn();
    render(<App />);
    act(() =>
      FakeSocket.last.receive({
        action: "reminder",
        task_id: 3,
        title: "Call the plumber",
        due_date: "2030-06-03T16:00:00Z",
        remind_at: "x",
      }),
    );
    expect(await screen.findByTestId("toast-reminder")).toHaveTextContent("Reminder: Call the plumber");
    await userEvent.click(screen.getByRole("button", { name: "Enable reminders" }));
    expect(FakeNotification.requestPermission).toHaveBeenCalled();
    expect(screen.queryByRole("button", { name: "Enable reminders" })).not.toBeInTheDocument();
  });

  it("shows a task's history with what changed", async () => {
    const v1 = task({ id: 4, title: "Plan trip", version: 1 });
    const v2 = { ...v1, title: "Plan the trip", priority: "high" as const, version: 2 };
    mockApi({
      "GET /api/tasks/4/history": () => ({
        body: {
          items: [
            { event_id: "a", event_type: "created", task_id: 4, user_id: 1, timestamp: "2030-01-01T10:00:00Z", version: 1, task_data: v1 },
            { event_id: "b", event_type: "updated", task_id: 4, user_id: 1, timestamp: "2030-01-01T11:00:00Z", version: 2, task_data: v2 },
          ],
        },
      }),
    });
    signIn();
    window.history.replaceState(null, "", "/tasks/4/history");
    render(<App />);
    expect(await screen.findByRole("heading", { name: "History: Plan the trip" })).toBeInTheDocument();
    expect(screen.getByText("Created")).toBeInTheDocument();
    expect(screen.getByText("Edited")).toBeInTheDocument();
    expect(screen.getByText("Plan trip", { selector: "del" })).toBeInTheDocument();
    expect(screen.getByText("high", { selector: "ins" })).toBeInTheDocument();
  });
});
