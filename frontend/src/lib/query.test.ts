import { describe, expect, it } from "vitest";
import { apiQuery, DEFAULT_VIEW, searchFromView, viewFromSearch } from "./query";

describe("the list's view in the address bar", () => {
  it("round-trips every filter", () => {
    const view = {
      q: "plants",
      status: "open" as const,
      priorities: ["high" as const, "medium" as const],
      tags: ["home", "garden"],
      from: "2030-06-01",
      to: "2030-06-30",
      overdue: true,
      sort: "-priority",
      page: 3,
      size: 50,
    };
    const search = searchFromView(view);
    expect(viewFromSearch(new URLSearchParams(search))).toEqual(view);
  });

  it("ignores junk and leaves defaults out of the URL", () => {
    const view = viewFromSearch(new URLSearchParams("status=x&priority=urgent&sort=drop&page=-1&size=7&from=yesterday"));
    expect(view).toEqual(DEFAULT_VIEW);
    expect(searchFromView(DEFAULT_VIEW)).toBe("");
  });

  it("becomes the API's query", () => {
    const query = apiQuery({ ...DEFAULT_VIEW, q: " x ", tags: ["a", "b"], from: "2030-06-01", to: "2030-06-02", overdue: true });
    expect(query).toEqual({
      q: "x",
      tag: ["a", "b"],
      due_after: "2030-05-31T23:59:59+02:00",
      due_before: "2030-06-03T00:00:00+02:00",
      overdue: true,
      sort: "-created_at",
      page: 1,
      page_size: 20,
    });
  });
});
