// Create or edit a task: title, description, priority, tags, due date, reminder, recurrence.
import { type FormEvent, useState } from "react";
import { ApiError, api, errorMessage, ifMatch, PRIORITIES, type Priority, type Task, unwrap } from "../api/client";
import { DAY_NAMES, DAYS, type Day, fromRule, type Preset, type Recurrence, toRule } from "../lib/recurrence";
import { fromLocalInput, toLocalInput, toOffsetIso, userTimeZone } from "../lib/time";
import { Modal } from "./Modal";
import { TagInput } from "./TagInput";

const REMINDERS: { value: string; label: string; minutes?: number }[] = [
  { value: "none", label: "No reminder" },
  { value: "0", label: "At the due time", minutes: 0 },
  { value: "5", label: "5 minutes before", minutes: 5 },
  { value: "15", label: "15 minutes before", minutes: 15 },
  { value: "30", label: "30 minutes before", minutes: 30 },
  { value: "60", label: "1 hour before", minutes: 60 },
  { value: "1440", label: "1 day before", minutes: 1440 },
  { value: "custom", label: "At a chosen time…" },
];

const PRESETS: { value: Preset; label: string }[] = [
  { value: "none", label: "Does not repeat" },
  { value: "daily", label: "Daily" },
  { value: "weekdays", label: "Every weekday (Monday to Friday)" },
  { value: "weekly", label: "Weekly on chosen days" },
  { value: "monthly", label: "Monthly" },
  { value: "custom", label: "Custom rule (RRULE)" },
];

function initialReminder(task?: Task): { choice: string; custom: string } {
  if (!task?.remind_at) return { choice: "none", custom: "" };
  if (task.due_at) {
    const minutes = (Date.parse(task.due_at) - Date.parse(task.remind_at)) / 60000;
    const preset = REMINDERS.find((r) => r.minutes === minutes);
    if (preset) return { choice: preset.value, custom: "" };
  }
  return { choice: "custom", custom: toLocalInput(task.remind_at) };
}

type Form = {
  title: string;
  description: string;
  priority: Priority;
  tags: string[];
  due: string;
  reminder: ReturnType<typeof initialReminder>;
  recurrence: Recurrence;
};

function remindAtOf(f: Form): string | null {
  if (f.reminder.choice === "none") return null;
  if (f.reminder.choice === "custom") return fromLocalInput(f.reminder.custom);
  const dueIso = fromLocalInput(f.due);
  if (!dueIso) return null;
  const minutes = Number(f.reminder.choice);
  return toOffsetIso(new Date(Date.parse(dueIso) - minutes * 60000));
}

function bodyOf(f: Form, zone: string) {
  return {
    title: f.title.trim(),
    description: f.description,
    priority: f.priority,
    tags: f.tags,
    due_at: fromLocalInput(f.due),
    remind_at: remindAtOf(f),
    recurrence: toRule(f.recurrence),
    // Weekdays, days of the month and the time of day of a series are this zone's.
    time_zone: zone,
  };
}

type Body = ReturnType<typeof bodyOf>;

/** The fields of `now` that differ from `before`; the zone only with the dates it counts. */
function changed(before: Body, now: Body): Partial<Body> {
  const out: Partial<Body> = {};
  for (const key of Object.keys(now) as (keyof Body)[]) {
    if (key !== "time_zone" && JSON.stringify(now[key]) !== JSON.stringify(before[key])) {
      (out as Record<string, unknown>)[key] = now[key];
    }
  }
  if ("due_at" in out || "recurrence" in out) out.time_zone = now.time_zone;
  return out;
}

export function TaskDialog({
  task,
  suggestions,
  onSaved,
  onClose,
}: {
  task?: Task;
  suggestions: string[];
  onSaved: (task: Task) => void;
  onClose: () => void;
}) {
  const [title, setTitle] = useState(task?.title ?? "");
  const [description, setDescription] = useState(task?.description ?? "");
  const [priority, setPriority] = useState<Priority>(task?.priority ?? "none");
  const [tags, setTags] = useState<string[]>(task?.tags ?? []);
  const [due, setDue] = useState(toLocalInput(task?.due_at));
  const [reminder, setReminder] = useState(() => initialReminder(task));
  const [recurrence, setRecurrence] = useState<Recurrence>(() => fromRule(task?.recurrence));
  const [error, setError] = useState<string | null>(null);
  const [badFields, setBadFields] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [version, setVersion] = useState(task?.version ?? 0);
  const zone = userTimeZone();

  // What the form says now, and what it said when it opened: an edit sends only the difference,
  // so saving never overwrites fields someone else changed meanwhile.
  const form: Form = { title, description, priority, tags, due, reminder, recurrence };
  const [opened] = useState<Form>(form);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBadFields([]);
    const body = bodyOf(form, zone);
    if (reminder.choice !== "none" && reminder.choice !== "custom" && !body.due_at) {
      setError("A reminder before the due time needs a due date.");
      setBadFields(["remind_at"]);
      return;
    }
    if (body.recurrence && !body.due_at) {
      setError("A repeating task needs a due date.");
      setBadFields(["due_at"]);
      return;
    }
    const patch = task ? changed(bodyOf(opened, zone), body) : body;
    if (task && Object.keys(patch).length === 0) {
      onClose();
      return;
    }
    setBusy(true);
    try {
      const saved = task
        ? await unwrap(
            api.PATCH("/api/tasks/{task_id}", {
              params: { path: { task_id: task.id }, header: ifMatch({ version }) },
              body: patch,
            }),
          )
        : await unwrap(api.POST("/api/tasks", { body }));
      onSaved(saved);
    } catch (err) {
      if (err instanceof ApiError && err.status === 412 && task) {
        setError("Someone changed this task meanwhile. Saving again applies only your changes on top of theirs.");
        const fresh = await api.GET("/api/tasks/{task_id}", { params: { path: { task_id: task.id } } });
        if (fresh.data) setVersion(fresh.data.version);
      } else {
        setError(errorMessage(err));
        if (err instanceof ApiError) setBadFields(err.fields());
      }
    } finally {
      setBusy(false);
    }
  };

  const invalid = (field: string) => badFields.includes(field) || undefined;
  const toggleDay = (day: Day) =>
    setRecurrence((r) => ({
      ...r,
      days: r.days.includes(day) ? r.days.filter((d) => d !== day) : [...r.days, day],
    }));

  return (
    <Modal title={task ? "Edit task" : "New task"} onClose={onClose} className="dialog-form">
      <form onSubmit={submit} className="task-form">
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="field">
          <label htmlFor="task-title">Title</label>
          <input
            id="task-title"
            required
            maxLength={200}
            value={title}
            data-autofocus
            aria-invalid={invalid("title")}
            onChange={(e) => setTitle(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="task-description">Description</label>
          <textarea
            id="task-description"
            rows={3}
            maxLength={10000}
            value={description}
            aria-invalid={invalid("description")}
            onChange={(e) => setDescription(e.target.value)}
          />
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor="task-priority">Priority</label>
            <select id="task-priority" value={priority} onChange={(e) => setPriority(e.target.value as Priority)}>
              {PRIORITIES.map((p) => (
                <option key={p} value={p}>
                  {p === "none" ? "None" : p[0]!.toUpperCase() + p.slice(1)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="task-due">Due</label>
            <div className="inline">
              <input
                id="task-due"
                type="datetime-local"
                value={due}
                aria-describedby="task-due-zone"
                aria-invalid={invalid("due_at")}
                onChange={(e) => setDue(e.target.value)}
              />
              {due && (
                <button type="button" className="link-button" onClick={() => setDue("")} aria-label="Clear due date">
                  Clear
                </button>
              )}
            </div>
            <p id="task-due-zone" className="hint">
              Your time zone: {zone}
            </p>
          </div>
        </div>
        <TagInput
          id="task-tags"
          label="Tags"
          tags={tags}
          suggestions={suggestions}
          onChange={setTags}
          invalid={invalid("tags")}
        />
        <div className="field-row">
          <div className="field">
            <label htmlFor="task-reminder">Reminder</label>
            <select
              id="task-reminder"
              value={reminder.choice}
              aria-invalid={invalid("remind_at")}
              onChange={(e) =>
                setReminder({
                  choice: e.target.value,
                  custom: reminder.custom || toLocalInput(fromLocalInput(due)),
                })
              }
            >
              {REMINDERS.map((r) => (
                <option key={r.value} value={r.value} disabled={r.minutes !== undefined && !due}>
                  {r.label}
                </option>
              ))}
            </select>
            {reminder.choice === "custom" && (
              <>
                <label htmlFor="task-remind-at" className="sub-label">
                  Remind me at
                </label>
                <input
                  id="task-remind-at"
                  type="datetime-local"
                  step={1}
                  required
                  value={reminder.custom}
                  aria-invalid={invalid("remind_at")}
                  onChange={(e) => setReminder({ choice: "custom", custom: e.target.value })}
                />
              </>
            )}
          </div>
          <div className="field">
            <label htmlFor="task-repeat">Repeats</label>
            <select
              id="task-repeat"
              value={recurrence.preset}
              aria-invalid={invalid("recurrence")}
              onChange={(e) => setRecurrence({ ...recurrence, preset: e.target.value as Preset })}
            >
              {PRESETS.map((p) => (
                <option key={p.value} value={p.value}>
                  {p.label}
                </option>
              ))}
            </select>
          </div>
        </div>
        {recurrence.preset === "weekly" && (
          <fieldset className="days">
            <legend>Repeat on</legend>
            {DAYS.map((day) => (
              <label key={day} className="day">
                <input type="checkbox" checked={recurrence.days.includes(day)} onChange={() => toggleDay(day)} />
                <span title={DAY_NAMES[day]}>
                  <span aria-hidden="true">{DAY_NAMES[day].slice(0, 3)}</span>
                  <span className="visually-hidden">{DAY_NAMES[day]}</span>
                </span>
              </label>
            ))}
            <p className="hint">No day chosen: the due date's weekday.</p>
          </fieldset>
        )}
        {recurrence.preset === "custom" && (
          <div className="field">
            <label htmlFor="task-rrule">Rule</label>
            <input
              id="task-rrule"
              value={recurrence.custom}
              placeholder="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
              spellCheck={false}
              aria-describedby="task-rrule-hint"
              aria-invalid={invalid("recurrence")}
              onChange={(e) => setRecurrence({ ...recurrence, custom: e.target.value })}
            />
            <p id="task-rrule-hint" className="hint">
              An RFC 5545 RRULE, at most hourly, e.g. FREQ=MONTHLY;BYMONTHDAY=1 or FREQ=DAILY;COUNT=5.
            </p>
          </div>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Saving…" : task ? "Save changes" : "Create task"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
