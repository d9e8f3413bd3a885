// A task's history: its events from the event store, oldest first, with what each one changed.
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, api, errorMessage, type Task, type TaskEvent, unwrap } from "../api/client";
import { useLiveEvents } from "../lib/bus";
import { describe } from "../lib/recurrence";
import { Link } from "../lib/router";
import { formatDateTime } from "../lib/time";

const FIELDS: { key: keyof Task; label: string }[] = [
  { key: "title", label: "Title" },
  { key: "description", label: "Description" },
  { key: "priority", label: "Priority" },
  { key: "tags", label: "Tags" },
  { key: "due_at", label: "Due" },
  { key: "remind_at", label: "Reminder" },
  { key: "recurrence", label: "Repeats" },
  { key: "completed", label: "Completed" },
];

const VERBS: Record<string, string> = {
  created: "Created",
  updated: "Edited",
  completed: "Completed",
  deleted: "Deleted",
};

function show(key: keyof Task, value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (key === "tags") return (value as string[]).length ? (value as string[]).join(", ") : "—";
  if (key === "due_at" || key === "remind_at") return formatDateTime(value as string);
  if (key === "recurrence") return describe(value as string);
  if (key === "completed") return value ? "yes" : "no";
  return String(value);
}

export function changes(before: Task | undefined, after: Task): { label: string; from: string; to: string }[] {
  if (!before) return [];
  return FIELDS.filter(({ key }) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).map(
    ({ key, label }) => ({ label, from: show(key, before[key]), to: show(key, after[key]) }),
  );
}

export function HistoryPage({ taskId }: { taskId: number }) {
  const [events, setEvents] = useState<TaskEvent[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const heading = useRef<HTMLHeadingElement>(null);

  const request = useRef<AbortController | null>(null);

  const load = useCallback(async () => {
    // Live updates can trigger loads back to back: only the newest may land, or an older
    // answer arriving last would hide the newest event.
    request.current?.abort();
    const controller = new AbortController();
    request.current = controller;
    setLoading(true);
    try {
      const body = await unwrap(
        api.GET("/api/tasks/{task_id}/history", {
          params: { path: { task_id: taskId } },
          signal: controller.signal,
        }),
      );
      if (controller.signal.aborted) return;
      setEvents(body.items);
      setError(null);
    } catch (err) {
      if (controller.signal.aborted) return;
      setError(err instanceof ApiError && err.status === 404 ? "This task does not exist or has no history." : errorMessage(err));
    } finally {
      if (!controller.signal.aborted) setLoading(false);
    }
  }, [taskId]);

  useEffect(() => {
    void load();
    heading.current?.focus();
  }, [load]);

  useLiveEvents((event) => {
    if (event.kind === "resync" || event.message.task_id === taskId) void load();
  });

  const latest = events?.[events.length - 1]?.task_data;
  useEffect(() => {
    document.title = latest ? `History: ${latest.title} · Todo` : "History · Todo";
  }, [latest]);

  return (
    <main id="main" className="history-page">
      <p>
        <Link to="/">← All tasks</Link>
      </p>
      <h1 ref={heading} tabIndex={-1}>
        History{latest ? `: ${latest.title}` : ""}
      </h1>
      {loading && !events && <p aria-live="polite">Loading history…</p>}
      {error && (
        <div className="error-box" role="alert">
          <p>{error}</p>
          <button type="button" onClick={() => void load()}>
            Try again
          </button>
        </div>
      )}
      {events && (
        <ol className="timeline" aria-label="Events, oldest first">
          {events.map((event, i) => {
            const before = events[i - 1]?.task_data;
            const diff = changes(before, event.task_data);
            const reopened = event.event_type === "updated" && before?.completed && !event.task_data.completed;
            return (
              <li key={event.event_id} className={`event event-${event.event_type}`}>
                <div className="event-head">
                  <strong>{reopened ? "Reopened" : (VERBS[event.event_type] ?? event.event_type)}</strong>
                  <time dateTime={event.timestamp}>{formatDateTime(event.timestamp, true)}</time>
                  <span className="muted">version {event.version}</span>
                </div>
                {event.event_type === "created" && (
                  <dl className="snapshot">
                    {FIELDS.filter(({ key }) => key !== "completed" && show(key, event.task_data[key]) !== "—").map(
                      ({ key, label }) => (
                        <div key={key}>
                          <dt>{label}</dt>
                          <dd>{show(key, event.task_data[key])}</dd>
                        </div>
                      ),
                    )}
                  </dl>
                )}
                {diff.length > 0 && event.event_type !== "created" && (
                  <ul className="diff">
                    {diff.map((d) => (
                      <li key={d.label}>
                        {d.label}: <del>{d.from}</del> <span aria-hidden="true">→</span>
                        <span className="visually-hidden">changed to</span> <ins>{d.to}</ins>
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </main>
  );
}
