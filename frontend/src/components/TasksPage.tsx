// The task list: search, filters, sort and paging from the address bar; live updates.
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, api, errorMessage, ifMatch, type TagCount, type Task, type TaskPage, unwrap } from "../api/client";
import { useLiveEvents } from "../lib/bus";
import { apiQuery, isFiltered, PAGE_SIZES, SORTS, searchFromView, type View, viewFromSearch } from "../lib/query";
import { navigate, useLocation } from "../lib/router";
import { Filters } from "./Filters";
import { ConfirmDialog } from "./Modal";
import { TaskDialog } from "./TaskDialog";
import { Icon } from "./Icon";
import { TaskItem } from "./TaskItem";
import { useToast } from "./Toasts";

type Editing = { task?: Task } | null;

function useDebounced<T>(value: T, ms: number): T {
  const [current, setCurrent] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setCurrent(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return current;
}

export function TasksPage() {
  const { search } = useLocation();
  const view = viewFromSearch(search);
  const key = searchFromView(view);
  const toast = useToast();

  const [data, setData] = useState<TaskPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tags, setTags] = useState<TagCount[]>([]);
  const [busyIds, setBusyIds] = useState<number[]>([]);
  const [editing, setEditing] = useState<Editing>(null);
  const [deleting, setDeleting] = useState<Task | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [searchText, setSearchText] = useState(view.q);
  const debouncedSearch = useDebounced(searchText, 250);
  const request = useRef<AbortController | null>(null);
  const resultsHeading = useRef<HTMLHeadingElement>(null);

  const update = useCallback(
    (patch: Partial<View>) => {
      const next = { ...viewFromSearch(new URLSearchParams(window.location.search)), page: 1, ...patch };
      navigate(`/${searchFromView(next)}`, { replace: true });
    },
    [],
  );

  useEffect(() => {
    if (debouncedSearch !== viewFromSearch(new URLSearchParams(window.location.search)).q) {
      update({ q: debouncedSearch });
    }
  }, [debouncedSearch, update]);

  const load = useCallback(async () => {
    request.current?.abort();
    const controller = new AbortController();
    request.current = controller;
    setLoading(true);
    try {
      const current = viewFromSearch(new URLSearchParams(window.location.search));
      const page = await unwrap(
        api.GET("/api/tasks", { params: { query: apiQuery(current) }, signal: controller.signal }),
      );
      if (controller.signal.aborted) return;
      const last = Math.max(1, Math.ceil(page.total / page.page_size));
      if (current.page > last && page.items.length === 0) {
        update({ page: last });
        return;
      }
      setData(page);
      setError(null);
    } catch (err) {
      if (controller.signal.aborted) return;
      setError(errorMessage(err));
    } finally {
      if (request.current === controller) setLoading(false);
    }
  }, [update]);

  const loadTags = useCallback(async () => {
    const { data: body } = await api.GET("/api/tags").catch(() => ({ data: undefined }));
    if (body) setTags(body.items);
  }, []);

  useEffect(() => {
    document.title = "Tasks · Todo";
    void load();
  }, [key, load]);
  useEffect(() => {
    void loadTags();
    return () => request.current?.abort();
  }, [loadTags]);

  // Live: several messages can arrive together (a completion that creates the next occurrence).
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  useLiveEvents(() => {
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = null;
      void load();
      void loadTags();
    }, 30);
  });
  useEffect(() => () => void (pending.current && clearTimeout(pending.current)), []);

  const replace = (task: Task) =>
    setData((d) => d && { ...d, items: d.items.map((t) => (t.id === task.id ? task : t)) });

  const toggle = async (task: Task) => {
    setBusyIds((ids) => [...ids, task.id]);
    // Show the new state at once; the server's answer (or a failure) corrects it.
    replace({ ...task, completed: !task.completed, completed_at: task.completed ? null : new Date().toISOString() });
    try {
      const path = task.completed ? "/api/tasks/{task_id}/reopen" : "/api/tasks/{task_id}/complete";
      const saved = await unwrap(api.POST(path, { params: { path: { task_id: task.id }, header: ifMatch(task) } }));
      replace(saved);
      toast.show("info", saved.completed ? `Completed “${saved.title}”` : `Reopened “${saved.title}”`);
      void load();
    } catch (err) {
      replace(task);
      if (err instanceof ApiError && err.status === 412) {
        toast.show("error", "This task changed elsewhere; the list is refreshed. Try again.");
      } else {
        toast.show("error", errorMessage(err));
      }
      void load();
    } finally {
      setBusyIds((ids) => ids.filter((id) => id !== task.id));
    }
  };

  const confirmDelete = async () => {
    if (!deleting) return;
    setDeleteBusy(true);
    setDeleteError(null);
    try {
      // If-Match: what the user confirmed is what gets deleted, not a version changed meanwhile.
      await unwrap(
        api.DELETE("/api/tasks/{task_id}", {
          params: { path: { task_id: deleting.id }, header: ifMatch(deleting) },
        }),
      );
      setData((d) => d && { ...d, items: d.items.filter((t) => t.id !== deleting.id), total: d.total - 1 });
      toast.show("info", `Deleted “${deleting.title}”`);
      setDeleting(null);
      // The Delete button that opened the dialog is gone with its task: keep the keyboard
      // user in the list instead of at the top of the page.
      setTimeout(() => resultsHeading.current?.focus(), 0);
      void load();
      void loadTags();
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        setDeleting(null);
        void load();
      } else if (err instanceof ApiError && err.status === 412) {
        setDeleting(null);
        toast.show("error", "This task changed elsewhere; the list is refreshed. Look again before deleting.");
        void load();
      } else {
        setDeleteError(errorMessage(err));
      }
    } finally {
      setDeleteBusy(false);
    }
  };

  const saved = (task: Task) => {
    const created = !editing?.task;
    setEditing(null);
    toast.show("info", created ? `Created “${task.title}”` : `Saved “${task.title}”`);
    void load();
    void loadTags();
  };

  const total = data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / view.size));
  const first = total ? (view.page - 1) * view.size + 1 : 0;
  const lastShown = Math.min(total, view.page * view.size);
  const filtered = isFiltered(view);

  return (
    <main id="main" className="tasks-page">
      <div className="page-head">
        <h1>Tasks</h1>
        <button type="button" className="primary" onClick={() => setEditing({})}>
          <Icon name="plus" />
          New task
        </button>
      </div>
      <div className="search" role="search">
        <label htmlFor="search" className="visually-hidden">
          Search tasks
        </label>
        <input
          id="search"
          type="search"
          placeholder="Search title and description"
          value={searchText}
          onChange={(e) => setSearchText(e.target.value)}
        />
      </div>
      <Filters view={view} tags={tags} onChange={update} />

      <section aria-labelledby="results-heading" aria-busy={loading} className="results">
        <h2 id="results-heading" className="visually-hidden" tabIndex={-1} ref={resultsHeading}>
          Results
        </h2>
        <div className="results-bar">
          <p className="summary">
            {/* Only the count is announced; "Loading…" on every live refresh would be noise
                (the section's aria-busy says it). */}
            <span aria-live="polite">{data && !error ? (total ? `Showing ${first}–${lastShown} of ${total}` : "") : ""}</span>
            {loading && (
              <span className="loading-dot" aria-hidden="true">
                {" "}
                Loading…
              </span>
            )}
          </p>
          <div className="view-controls">
            <label htmlFor="filter-sort">Sort by</label>
            <select id="filter-sort" value={view.sort} onChange={(e) => update({ sort: e.target.value })}>
              {SORTS.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
            <label htmlFor="filter-size">Per page</label>
            <select id="filter-size" value={view.size} onChange={(e) => update({ size: Number(e.target.value) })}>
              {PAGE_SIZES.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </div>
        </div>
        {error && (
          <div className="error-box" role="alert">
            <p>Could not load tasks: {error}</p>
            <button type="button" onClick={() => void load()}>
              Try again
            </button>
          </div>
        )}
        {!data && loading && !error && (
          <ul className="task-list skeleton" aria-hidden="true">
            {[0, 1, 2].map((i) => (
              <li key={i} className="task skeleton-row" />
            ))}
          </ul>
        )}
        {data && data.items.length === 0 && !error && (
          <div className="empty">
            {filtered ? (
              <>
                <p>No tasks match this search or these filters.</p>
                <button type="button" onClick={() => { setSearchText(""); update({ q: "", status: "", priorities: [], tags: [], from: "", to: "", overdue: false }); }}>
                  Clear search and filters
                </button>
              </>
            ) : (
              <>
                <p>No tasks yet.</p>
                <button type="button" className="primary" onClick={() => setEditing({})}>
                  Create your first task
                </button>
              </>
            )}
          </div>
        )}
        {data && data.items.length > 0 && (
          <ul className="task-list" aria-label="Tasks">
            {data.items.map((task) => (
              <TaskItem
                key={task.id}
                task={task}
                busy={busyIds.includes(task.id)}
                onToggle={toggle}
                onEdit={(t) => setEditing({ task: t })}
                onDelete={(t) => {
                  setDeleteError(null);
                  setDeleting(t);
                }}
              />
            ))}
          </ul>
        )}
        {data && pages > 1 && (
          <nav className="pager" aria-label="Pages">
            <button type="button" disabled={view.page <= 1} onClick={() => update({ page: view.page - 1 })}>
              ← Previous
            </button>
            <span>
              Page {view.page} of {pages}
            </span>
            <button type="button" disabled={view.page >= pages} onClick={() => update({ page: view.page + 1 })}>
              Next →
            </button>
          </nav>
        )}
      </section>

      {editing && (
        <TaskDialog
          task={editing.task}
          suggestions={tags.map((t) => t.tag)}
          onSaved={saved}
          onClose={() => setEditing(null)}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title="Delete task?"
          message={`“${deleting.title}” will be deleted. Its history stays readable.`}
          confirmLabel="Delete"
          busy={deleteBusy}
          error={deleteError}
          onConfirm={() => void confirmDelete()}
          onCancel={() => setDeleting(null)}
        />
      )}
    </main>
  );
}
