// Dates in the user's time zone: inputs hold local wall time, the API holds ISO-8601 with offset.

export function userTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "local time";
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, "0");

/** "2030-06-03T18:00:00+02:00": the instant, written in the browser's zone. */
export function toOffsetIso(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `${sign}${pad(Math.trunc(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`
  );
}

/** The value of an <input type="datetime-local"> for an ISO instant (seconds when not zero). */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const base =
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return d.getSeconds() ? `${base}:${pad(d.getSeconds())}` : base;
}

/** An <input type="datetime-local"> value, read as wall time in the user's zone. */
export function fromLocalInput(value: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const date = new Date(y!, mo! - 1, d!, h!, mi!, Number.isNaN(s) ? 0 : (s ?? 0));
  return toOffsetIso(date);
}

/**
 * The bounds of a range of calendar days (<input type="date"> values) in the user's zone, for
 * the API's strict due_after / due_before: the second before the first day starts, and the
 * moment the day after the last one starts. So a task due at 00:00 on the first day, or at
 * 23:59:30 on the last, is inside.
 */
export function dayStart(day: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const [, y, mo, d] = m.map(Number) as number[];
  return toOffsetIso(new Date(y!, mo! - 1, d!, 0, 0, -1));
}
export function dayEnd(day: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const [, y, mo, d] = m.map(Number) as number[];
  return toOffsetIso(new Date(y!, mo! - 1, d! + 1, 0, 0, 0));
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateTimeSeconds = new Intl.DateTimeFormat(undefined, {
  dateStyle: "medium",
  timeStyle: "medium",
});

export function formatDateTime(iso: string | null | undefined, seconds = false): string {
  if (!iso) return "";
  return (seconds ? dateTimeSeconds : dateTime).format(new Date(iso));
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

export function formatRelative(iso: string, now: Date = new Date()): string {
  const seconds = (new Date(iso).getTime() - now.getTime()) / 1000;
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return seconds >= 0 ? "in less than a minute" : "just now";
}

export function isOverdue(
  task: { due_at: string | null; completed: boolean },
  now: Date = new Date(),
): boolean {
  return !task.completed && !!task.due_at && new Date(task.due_at).getTime() < now.getTime();
}
