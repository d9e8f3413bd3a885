import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { LiveBus, LiveContext } from "../lib/bus";
import { mockApi, page, problem, signIn, task } from "../test/api";
import { TasksPage } from "./TasksPage";
import { ToastProvider } from "./Toasts";

function renderPage(bus = new LiveBus()) {
  signIn();
  render(
    <ToastProvider>
      <LiveContext.Provider value={bus}>
        <TasksPage />
      </LiveContext.Provider>
    </ToastProvider>,
  );
  return bus;
}

const tags = { body: { items: [{ tag: "home", count: 2 }] } };

describe("the task list", () => {
  it("lists tasks with their state, due date and tags", async () => {
    mockApi({
      "GET /api/tasks": () =>
        page([
          task({ title: "Overdue thing", due_at: "2000-01-01T10:00:00Z", priority: "high", tags: ["home"] }),
          task({ title: "Finished", completed: true, completed_at: "2030-01-01T10:00:00Z" }),
        ]),
      "GET /api/tags": () => tags,
    });
    renderPage();
    const overdue = await screen.findByRole("listitem", { name: "Overdue thing" });
    expect(within(overdue).getByText("Overdue")).toBeInTheDocument();
    expect(within(overdue).getByText("#home")).toBeInTheDocument();
    expect(within(overdue).getByRole("checkbox", { name: "Completed: Overdue thing" })).not.toBeChecked();
    const done = screen.getByRole("listitem", { name: "Finished" });
    expect(done).toHaveClass("task-done");
    expect(within(done).getByRole("checkbox", { name: "Completed: Finished" })).toBeChecked();
    expect(screen.getByText("Showing 1–2 of 2")).toBeInTheDocument();
  });

  it("shows an empty state, then an error state with retry", async () => {
    let fail = false;
    mockApi({
      "GET /api/tasks": () => (fail ? problem(503, "database not reachable") : page([])),
      "GET /api/tags": () => tags,
    });
    const bus = renderPage();
    expect(await screen.findByText("No tasks yet.")).toBeInTheDocument();
    fail = true;
    bus.emit({ kind: "resync" });
    expect(await screen.findByRole("alert")).toHaveTextContent("database not reachable");
    fail = false;
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByText("No tasks yet.")).toBeInTheDocument();
  });

  it("sends search, filters, sort and paging to the API", async () => {
    const { calls } = mockApi({
      "GET /api/tasks": (c) => page([task({ title: "Hit" })], 45, Number(c.query.get("page")), 20),
      "GET /api/tags": () => tags,
    });
    renderPage();
    await screen.findByText("Hit");
    await userEvent.type(screen.getByRole("searchbox", { name: "Search tasks" }), "plant");
    await vi.waitFor(() => expect(calls.at(-1)!.query.get("q")).toBe("plant"));
    await userEvent.selectOptions(screen.getByLabelText("Status"), "open");
    await userEvent.click(screen.getByRole("checkbox", { name: "High" }));
    await userEvent.type(screen.getByLabelText("Tags (all of)"), "home{Enter}");
    await userEvent.click(screen.getByRole("checkbox", { name: "Overdue only" }));
    await userEvent.selectOptions(screen.getByLabelText("Sort by"), "-priority");
    await userEvent.click(await screen.findByRole("button", { name: "Next →" }));
    await vi.waitFor(() => expect(calls.at(-1)!.query.get("page")).toBe("2"));
    const q = calls.at(-1)!.query;
    expect(Object.fromEntries(q)).toMatchObject({ q: "plant", status: "open", priority: "high", tag: "home", overdue: "true", sort: "-priority" });
    expect(window.location.search).toContain("sort=-priority");
    expect(screen.getByText("Page 2 of 3")).toBeInTheDocument();
  });

  it("completes a task with its version, and deletes after confirming", async () => {
    const t = task({ id: 5, title: "Call mum", version: 3 });
    const { calls } = mockApi({
      "GET /api/tasks": () => page([t]),
      "GET /api/tags": () => tags,
      "POST /api/tasks/5/complete": () => ({ body: { ...t, completed: true, version: 4 } }),
      "DELETE /api/tasks/5": () => ({ status: 204 }),
    });
    renderPage();
    await userEvent.click(await screen.findByRole("checkbox", { name: "Completed: Call mum" }));
    const complete = calls.find((c) => c.path === "/api/tasks/5/complete")!;
    expect(complete.headers.get("If-Match")).toBe('"3"');
    expect(await screen.findByText("Completed “Call mum”")).toBeInTheDocument();

    const deleteButton = screen.getByRole("button", { name: "Delete Call mum" });
    await userEvent.click(deleteButton);
    const dialog = screen.getByRole("alertdialog", { name: "Delete task?" });
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toHaveFocus();
    await userEvent.keyboard("{Escape}");
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    await userEvent.click(deleteButton);
    await userEvent.click(screen.getByRole("button", { name: "Delete" }));
    const deleted = calls.find((c) => c.method === "DELETE" && c.path === "/api/tasks/5")!;
    // The version the list showed (the mock's reload still says 3).
    expect(deleted.headers.get("If-Match")).toBe('"3"');
    expect(await screen.findByText("Deleted “Call mum”")).toBeInTheDocument();
  });

  it("refetches when a live update arrives", async () => {
    let items = [task({ title: "First" })];
    mockApi({ "GET /api/tasks": () => page(items), "GET /api/tags": () => tags });
    const bus = renderPage();
    await screen.findByText("First");
    items = [...items, task({ title: "From another tab" })];
    bus.emit({
      kind: "update",
      message: { event_id: "e", user_id: 1, task_id: 99, action: "created", timestamp: "t" },
    });
    expect(await screen.findByText("From another tab")).toBeInTheDocument();
  });

  it("tells when a completion lost a race", async () => {
    const t = task({ id: 6, title: "Raced" });
    mockApi({
      "GET /api/tasks": () => page([t]),
      "GET /api/tags": () => tags,
      "POST /api/tasks/6/complete": () => problem(412, "the task has changed (version 2)"),
    });
    renderPage();
    await userEvent.click(await screen.findByRole("checkbox", { name: "Completed: Raced" }));
    expect(await screen.findByText(/This task changed elsewhere/)).toBeInTheDocument();
  });
});
