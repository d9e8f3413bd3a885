// Recurrence presets <-> RFC 5545 RRULE strings (the API stores the rule text).

export type Preset = "none" | "daily" | "weekdays" | "weekly" | "monthly" | "custom";
export const DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const;
export type Day = (typeof DAYS)[number];
export const DAY_NAMES: Record<Day, string> = {
  MO: "Monday",
  TU: "Tuesday",
  WE: "Wednesday",
  TH: "Thursday",
  FR: "Friday",
  SA: "Saturday",
  SU: "Sunday",
};
const WEEKDAYS: Day[] = ["MO", "TU", "WE", "TH", "FR"];

export interface Recurrence {
  preset: Preset;
  days: Day[];
  custom: string;
}

export const NO_RECURRENCE: Recurrence = { preset: "none", days: [], custom: "" };

function parts(rule: string): Map<string, string> | null {
  const body = rule.trim().replace(/^RRULE:/i, "");
  const map = new Map<string, string>();
  for (const part of body.split(";")) {
    if (!part) continue;
    const [key, value, ...rest] = part.split("=");
    if (!key || value === undefined || rest.length) return null;
    map.set(key.toUpperCase(), value.toUpperCase());
  }
  return map;
}

function sortDays(days: Iterable<Day>): Day[] {
  const set = new Set(days);
  return DAYS.filter((d) => set.has(d));
}

export function fromRule(rule: string | null | undefined): Recurrence {
  if (!rule) return NO_RECURRENCE;
  const custom = { preset: "custom" as const, days: [], custom: rule };
  const p = parts(rule);
  if (!p) return custom;
  const freq = p.get("FREQ");
  const keys = [...p.keys()].sort().join(",");
  if (freq === "DAILY" && keys === "FREQ") return { preset: "daily", days: [], custom: "" };
  if (freq === "MONTHLY" && keys === "FREQ") return { preset: "monthly", days: [], custom: "" };
  if (freq === "WEEKLY" && (keys === "FREQ" || keys === "BYDAY,FREQ")) {
    const raw = p.get("BYDAY")?.split(",") ?? [];
    if (!raw.every((d) => (DAYS as readonly string[]).includes(d))) return custom;
    const days = sortDays(raw as Day[]);
    if (days.join() === WEEKDAYS.join()) return { preset: "weekdays", days: [], custom: "" };
    return { preset: "weekly", days, custom: "" };
  }
  return custom;
}

export function toRule(r: Recurrence): string | null {
  switch (r.preset) {
    case "none":
      return null;
    case "daily":
      return "FREQ=DAILY";
    case "weekdays":
      return `FREQ=WEEKLY;BYDAY=${WEEKDAYS.join(",")}`;
    case "weekly":
      // No day chosen: the weekday of the due date, as RFC 5545 does.
      return r.days.length ? `FREQ=WEEKLY;BYDAY=${sortDays(r.days).join(",")}` : "FREQ=WEEKLY";
    case "monthly":
      return "FREQ=MONTHLY";
    case "custom":
      return r.custom.trim().replace(/^RRULE:/i, "") || null;
  }
}

export function describe(rule: string | null | undefined): string {
  const r = fromRule(rule);
  switch (r.preset) {
    case "none":
      return "";
    case "daily":
      return "Every day";
    case "weekdays":
      return "Every weekday";
    case "weekly":
      return r.days.length
        ? `Weekly on ${r.days.map((d) => DAY_NAMES[d].slice(0, 3)).join(", ")}`
        : "Every week";
    case "monthly":
      return "Every month";
    case "custom":
      return `Custom: ${r.custom}`;
  }
}
