import { describe, expect, it } from "vitest";
import { dayEnd, dayStart, formatRelative, fromLocalInput, isOverdue, toLocalInput, userTimeZone } from "./time";

// vite.config.ts runs the tests in Europe/Paris: UTC+1 in winter, UTC+2 in summer.
describe("time in the user's zone", () => {
  it("runs in the configured zone", () => {
    expect(userTimeZone()).toBe("Europe/Paris");
  });

  it("reads picker values as local wall time, with the offset of that date", () => {
    expect(fromLocalInput("2030-06-03T18:00")).toBe("2030-06-03T18:00:00+02:00");
    expect(fromLocalInput("2030-01-15T09:30:15")).toBe("2030-01-15T09:30:15+01:00");
    expect(fromLocalInput("")).toBeNull();
    expect(fromLocalInput("nonsense")).toBeNull();
  });

  it("shows API instants in local wall time", () => {
    expect(toLocalInput("2030-06-03T16:00:00Z")).toBe("2030-06-03T18:00");
    expect(toLocalInput("2030-01-15T08:30:15+00:00")).toBe("2030-01-15T09:30:15");
    expect(toLocalInput(null)).toBe("");
  });

  it("round-trips", () => {
    const iso = fromLocalInput("2030-10-27T01:45")!;
    expect(toLocalInput(iso)).toBe("2030-10-27T01:45");
  });

  it("gives whole local days for due-date filters", () => {
    // Strict bounds around the days: a task due at 00:00 on the 3rd, or at 23:59:30, is inside.
    expect(dayStart("2030-06-03")).toBe("2030-06-02T23:59:59+02:00");
    expect(dayEnd("2030-06-03")).toBe("2030-06-04T00:00:00+02:00");
    expect(dayEnd("2030-06-30")).toBe("2030-07-01T00:00:00+02:00");
    expect(dayStart("")).toBeNull();
  });

  it("knows what is overdue and how far", () => {
    const now = new Date("2030-06-03T12:00:00Z");
    expect(isOverdue({ due_at: "2030-06-03T11:00:00Z", completed: false }, now)).toBe(true);
    expect(isOverdue({ due_at: "2030-06-03T11:00:00Z", completed: true }, now)).toBe(false);
    expect(isOverdue({ due_at: null, completed: false }, now)).toBe(false);
    expect(formatRelative("2030-06-05T12:00:00Z", now)).toBe("in 2 days");
    expect(formatRelative("2030-06-03T10:00:00Z", now)).toBe("2 hours ago");
  });
});
