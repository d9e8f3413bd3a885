import { describe as group, expect, it } from "vitest";
import { describe, fromRule, toRule } from "./recurrence";

group("recurrence presets", () => {
  it.each([
    ["FREQ=DAILY", "daily"],
    ["FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "weekdays"],
    ["FREQ=WEEKLY;BYDAY=FR,TH,WE,TU,MO", "weekdays"],
    ["FREQ=WEEKLY;BYDAY=MO,WE", "weekly"],
    ["FREQ=WEEKLY", "weekly"],
    ["FREQ=MONTHLY", "monthly"],
    ["FREQ=MONTHLY;BYMONTHDAY=1", "custom"],
    ["FREQ=DAILY;COUNT=5", "custom"],
    ["FREQ=WEEKLY;BYDAY=1MO", "custom"],
    ["RRULE:FREQ=DAILY", "daily"],
  ])("%s is %s", (rule, preset) => {
    expect(fromRule(rule).preset).toBe(preset);
  });

  it("writes rules for each preset", () => {
    expect(toRule({ preset: "none", days: [], custom: "" })).toBeNull();
    expect(toRule({ preset: "daily", days: [], custom: "" })).toBe("FREQ=DAILY");
    expect(toRule({ preset: "weekdays", days: [], custom: "" })).toBe("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR");
    expect(toRule({ preset: "weekly", days: ["SU", "MO"], custom: "" })).toBe("FREQ=WEEKLY;BYDAY=MO,SU");
    expect(toRule({ preset: "weekly", days: [], custom: "" })).toBe("FREQ=WEEKLY");
    expect(toRule({ preset: "monthly", days: [], custom: "" })).toBe("FREQ=MONTHLY");
    expect(toRule({ preset: "custom", days: [], custom: " RRULE:FREQ=YEARLY " })).toBe("FREQ=YEARLY");
    expect(toRule({ preset: "custom", days: [], custom: "  " })).toBeNull();
  });

  it("round-trips every preset", () => {
    for (const rule of ["FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "FREQ=WEEKLY;BYDAY=TU,SA", "FREQ=MONTHLY"]) {
      expect(toRule(fromRule(rule))).toBe(rule);
    }
  });

  it("describes rules for people", () => {
    expect(describe("FREQ=WEEKLY;BYDAY=MO,WE")).toBe("Weekly on Mon, Wed");
    expect(describe("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")).toBe("Every weekday");
    expect(describe("FREQ=HOURLY;INTERVAL=6")).toBe("Custom: FREQ=HOURLY;INTERVAL=6");
    expect(describe(null)).toBe("");
  });
});
