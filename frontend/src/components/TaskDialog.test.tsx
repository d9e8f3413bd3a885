import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { mockApi, problem, task } from "../test/api";
import { TaskDialog } from "./TaskDialog";

describe("the task dialog", () => {
  it("creates a task with tags, a due time in the user's zone, a reminder and weekly days", async () => {
    const { calls } = mockApi({ "POST /api/tasks": (c) => ({ status: 201, body: task(c.body as object) }) });
    const onSaved = vi.fn();
    render(<TaskDialog suggestions={["home", "work"]} onSaved={onSaved} onClose={vi.fn()} />);
    expect(screen.getByRole("dialog", { name: "New task" })).toBeInTheDocument();
    expect(screen.getByLabelText("Title")).toHaveFocus();
    await userEvent.type(screen.getByLabelText("Title"), "Water the plants");
    await userEvent.selectOptions(screen.getByLabelText("Priority"), "medium");
    await userEvent.type(screen.getByLabelText("Tags"), "Home{Enter}garden,");
    expect(screen.getByRole("button", { name: "Remove tag home" })).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Due"), "2030-06-03T18:00");
    expect(screen.getByText("Your time zone: Europe/Paris")).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText("Reminder"), "30");
    await userEvent.selectOptions(screen.getByLabelText("Repeats"), "weekly");
    await userEvent.click(screen.getByRole("checkbox", { name: "Monday" }));
    await userEvent.click(screen.getByRole("checkbox", { name: "Thursday" }));
    await userEvent.click(screen.getByRole("button", { name: "Create task" }));
    expect(calls[0]!.body).toEqual({
      title: "Water the plants",
      description: "",
      priority: "medium",
      tags: ["home", "garden"],
      due_at: "2030-06-03T18:00:00+02:00",
      remind_at: "2030-06-03T17:30:00+02:00",
      recurrence: "FREQ=WEEKLY;BYDAY=MO,TH",
      time_zone: "Europe/Paris",
    });
    expect(onSaved).toHaveBeenCalled();
  });

  it("edits with If-Match and keeps presets it recognises", async () => {
    const existing = task({
      id: 9,
      title: "Pay rent",
      version: 4,
      due_at: "2030-07-01T08:00:00Z",
      remind_at: "2030-06-30T08:00:00Z",
      recurrence: "FREQ=MONTHLY",
      tags: ["home"],
    });
    const { calls } = mockApi({ "PATCH /api/tasks/9": (c) => ({ body: { ...existing, ...(c.body as object), version: 5 } }) });
    render(<TaskDialog task={existing} suggestions={[]} onSaved={vi.fn()} onClose={vi.fn()} />);
    expect(screen.getByLabelText("Due")).toHaveValue("2030-07-01T10:00");
    expect(screen.getByLabelText("Reminder")).toHaveValue("1440");
    expect(screen.getByLabelText("Repeats")).toHaveValue("monthly");
    await userEvent.clear(screen.getByLabelText("Title"));
    await userEvent.type(screen.getByLabelText("Title"), "Pay the rent");
    await userEvent.selectOptions(screen.getByLabelText("Repeats"), "custom");
    await userEvent.clear(screen.getByLabelText("Rule"));
    await userEvent.type(screen.getByLabelText("Rule"), "FREQ=MONTHLY;BYMONTHDAY=1");
    await userEvent.click(screen.getByRole("button", { name: "Save changes" }));
    expect(calls[0]!.headers.get("If-Match")).toBe('"4"');
    expect(calls[0]!.body).toMatchObject({ title: "Pay the rent", recurrence: "FREQ=MONTHLY;BYMONTHDAY=1" });
  });

  it("sends only what was changed, so a save never undoes someone else's edit", async () => {
    const existing = task({
      id: 11,
      title: "Water plants",
      version: 2,
      due_at: "2030-07-01T08:00:00Z",
      remind_at: "2030-07-01T07:30:00Z",
      recurrence: "FREQ=WEEKLY;BYDAY=MO",
      tags: ["home"],
      time_zone: "Europe/Paris",
    });
    const { calls } = mockApi({ "PATCH /api/tasks/11": (c) => ({ body: { ...existing, ...(c.body as object), version: 3 } }) });
    render(<TaskDialog task={existing} suggestions={[]} onSaved={vi.fn()} onClose={vi.fn()} />);
    await userEvent.type(screen.getByLabelText("Title"), " and herbs");
    await userEvent.click(screen.getByRole("button", { name: "Save changes" }));
    expect(calls[0]!.body).toEqual({ title: "Water plants and herbs" });
  });

  it("closes without a request when nothing changed", async () => {
    const existing = task({ id: 12, title: "Same", version: 1 });
    const { calls } = mockApi({});
    const onClose = vi.fn();
    render(<TaskDialog task={existing} suggestions={[]} onSaved={vi.fn()} onClose={onClose} />);
    await userEvent.click(screen.getByRole("button", { name: "Save changes" }));
    expect(calls).toHaveLength(0);
    expect(onClose).toHaveBeenCalled();
  });

  it("shows the API's problem detail and marks the field", async () => {
    mockApi({
      "POST /api/tasks": () =>
        problem(422, "remind_at must not be later than due_at", [
          { loc: ["body", "remind_at"], msg: "too late", type: "value_error" },
        ]),
    });
    render(<TaskDialog suggestions={[]} onSaved={vi.fn()} onClose={vi.fn()} />);
    await userEvent.type(screen.getByLabelText("Title"), "x");
    await userEvent.type(screen.getByLabelText("Due"), "2030-06-03T18:00");
    await userEvent.selectOptions(screen.getByLabelText("Reminder"), "custom");
    await userEvent.clear(screen.getByLabelText("Remind me at"));
    await userEvent.type(screen.getByLabelText("Remind me at"), "2030-06-04T18:00:00");
    await userEvent.click(screen.getByRole("button", { name: "Create task" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("remind_at must not be later than due_at");
    expect(screen.getByLabelText("Reminder")).toHaveAttribute("aria-invalid", "true");
  });

  it("asks for a due date before sending a repeating task", async () => {
    const { calls } = mockApi({});
    render(<TaskDialog suggestions={[]} onSaved={vi.fn()} onClose={vi.fn()} />);
    await userEvent.type(screen.getByLabelText("Title"), "Daily stand-up");
    await userEvent.selectOptions(screen.getByLabelText("Repeats"), "daily");
    await userEvent.click(screen.getByRole("button", { name: "Create task" }));
    expect(screen.getByRole("alert")).toHaveTextContent("A repeating task needs a due date.");
    expect(calls).toHaveLength(0);
  });
});
