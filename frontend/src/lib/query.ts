// The task list's view (search, filters, sort, page) <-> the address bar's query string.
import type { ListQuery, Priority } from "../api/client";
import { dayEnd, dayStart } from "./time";

export interface View {
  q: string;
  status: "" | "open" | "completed";
  priorities: Priority[];
  tags: string[];
  from: string; // yyyy-mm-dd, the user's calendar day
  to: string;
  overdue: boolean;
  sort: string;
  page: number;
  size: number;
}

export const SORTS: { value: string; label: string }[] = [
  { value: "-created_at", label: "Newest first" },
  { value: "created_at", label: "Oldest first" },
  { value: "due_at", label: "Due date, soonest first" },
  { value: "-due_at", label: "Due date, latest first" },
  { value: "-priority", label: "Priority, highest first" },
  { value: "priority", label: "Priority, lowest first" },
  { value: "title", label: "Title, A to Z" },
  { value: "-title", label: "Title, Z to A" },
];
export const PAGE_SIZES = [10, 20, 50, 100];
export const DEFAULT_VIEW: View = {
  q: "",
  status: "",
  priorities: [],
  tags: [],
  from: "",
  to: "",
  overdue: false,
  sort: "-created_at",
  page: 1,
  size: 20,
};

const PRIORITY_VALUES: Priority[] = ["none", "low", "medium", "high"];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function viewFromSearch(search: URLSearchParams): View {
  const status = search.get("status");
  const sort = search.get("sort") ?? "";
  const page = Number(search.get("page"));
  const size = Number(search.get("size"));
  const from = search.get("from") ?? "";
  const to = search.get("to") ?? "";
  return {
    q: search.get("q") ?? "",
    status: status === "open" || status === "completed" ? status : "",
    priorities: search.getAll("priority").filter((p): p is Priority => PRIORITY_VALUES.includes(p as Priority)),
    tags: search.getAll("tag").filter(Boolean),
    from: DAY.test(from) ? from : "",
    to: DAY.test(to) ? to : "",
    overdue: search.get("overdue") === "1",
    sort: SORTS.some((s) => s.value === sort) ? sort : DEFAULT_VIEW.sort,
    page: Number.isInteger(page) && page >= 1 ? page : 1,
    size: PAGE_SIZES.includes(size) ? size : DEFAULT_VIEW.size,
  };
}

export function searchFromView(view: View): string {
  const s = new URLSearchParams();
  if (view.q) s.set("q", view.q);
  if (view.status) s.set("status", view.status);
  for (const p of view.priorities) s.append("priority", p);
  for (const t of view.tags) s.append("tag", t);
  if (view.from) s.set("from", view.from);
  if (view.to) s.set("to", view.to);
  if (view.overdue) s.set("overdue", "1");
  if (view.sort !== DEFAULT_VIEW.sort) s.set("sort", view.sort);
  if (view.page !== 1) s.set("page", String(view.page));
  if (view.size !== DEFAULT_VIEW.size) s.set("size", String(view.size));
  const text = s.toString();
  return text ? `?${text}` : "";
}

export function apiQuery(view: View): ListQuery {
  const query: ListQuery = { sort: view.sort, page: view.page, page_size: view.size };
  if (view.q.trim()) query.q = view.q.trim();
  if (view.status) query.status = view.status;
  if (view.priorities.length) query.priority = view.priorities;
  if (view.tags.length) query.tag = view.tags;
  const after = dayStart(view.from);
  const before = dayEnd(view.to);
  if (after) query.due_after = after;
  if (before) query.due_before = before;
  if (view.overdue) query.overdue = true;
  return query;
}

export function isFiltered(view: View): boolean {
  return Boolean(
    view.q || view.status || view.priorities.length || view.tags.length || view.from || view.to || view.overdue,
  );
}
