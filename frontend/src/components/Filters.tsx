// Filters and sort for the task list. Every change goes to the address bar (shareable, back works).
import { useId, useState } from "react";
import { PRIORITIES, type Priority } from "../api/client";
import { DEFAULT_VIEW, isFiltered, type View } from "../lib/query";
import { normalizeTag } from "./TagInput";

const label = (p: Priority) => (p === "none" ? "No priority" : p[0]!.toUpperCase() + p.slice(1));

export function Filters({
  view,
  tags,
  onChange,
}: {
  view: View;
  tags: { tag: string; count: number }[];
  onChange: (patch: Partial<View>) => void;
}) {
  const [tagDraft, setTagDraft] = useState("");
  const listId = useId();
  const wide = typeof window.matchMedia === "function" && window.matchMedia("(min-width: 720px)").matches;
  const [open] = useState(wide || isFiltered({ ...view, q: "" }));

  const togglePriority = (p: Priority) =>
    onChange({
      priorities: view.priorities.includes(p) ? view.priorities.filter((x) => x !== p) : [...view.priorities, p],
    });
  const addTag = (text: string) => {
    const tag = normalizeTag(text);
    if (tag && !view.tags.includes(tag)) onChange({ tags: [...view.tags, tag] });
    setTagDraft("");
  };

  return (
    <details className="filters" open={open}>
      <summary>
        Filters{isFiltered({ ...view, q: "" }) ? <span className="filter-count"> (active)</span> : null}
      </summary>
      <div className="filter-grid">
        <div className="field">
          <label htmlFor="filter-status">Status</label>
          <select
            id="filter-status"
            value={view.status}
            onChange={(e) => onChange({ status: e.target.value as View["status"] })}
          >
            <option value="">All tasks</option>
            <option value="open">Open</option>
            <option value="completed">Completed</option>
          </select>
        </div>
        <fieldset className="field priorities">
          <legend>Priority</legend>
          <div className="checks">
            {PRIORITIES.map((p) => (
              <label key={p} className="check-label">
                <input type="checkbox" checked={view.priorities.includes(p)} onChange={() => togglePriority(p)} />
                {label(p)}
              </label>
            ))}
          </div>
        </fieldset>
        <div className="field">
          <label htmlFor="filter-tag">Tags (all of)</label>
          <input
            id="filter-tag"
            list={listId}
            value={tagDraft}
            autoComplete="off"
            placeholder="Add a tag filter"
            onChange={(e) => {
              const native = e.nativeEvent as InputEvent;
              const picked = !(native instanceof InputEvent) || native.inputType === "insertReplacementText";
              if (picked && tags.some((t) => t.tag === e.target.value)) addTag(e.target.value);
              else setTagDraft(e.target.value);
            }}
            onKeyDown={(e) => {
              if (e.key === "Enter" && tagDraft.trim()) {
                e.preventDefault();
                addTag(tagDraft);
              }
            }}
          />
          <datalist id={listId}>
            {tags
              .filter((t) => !view.tags.includes(t.tag))
              .map((t) => (
                <option key={t.tag} value={t.tag}>{`${t.tag} (${t.count})`}</option>
              ))}
          </datalist>
          {view.tags.length > 0 && (
            <ul className="chips" aria-label="Tag filters">
              {view.tags.map((tag) => (
                <li key={tag} className="chip">
                  {tag}
                  <button
                    type="button"
                    className="chip-remove"
                    aria-label={`Remove tag filter ${tag}`}
                    onClick={() => onChange({ tags: view.tags.filter((t) => t !== tag) })}
                  >
                    ×
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
        <div className="field">
          <label htmlFor="filter-from">Due from</label>
          <input id="filter-from" type="date" value={view.from} onChange={(e) => onChange({ from: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="filter-to">Due until</label>
          <input id="filter-to" type="date" value={view.to} onChange={(e) => onChange({ to: e.target.value })} />
        </div>
        <div className="field field-check">
          <label className="check-label">
            <input type="checkbox" checked={view.overdue} onChange={(e) => onChange({ overdue: e.target.checked })} />
            Overdue only
          </label>
        </div>
        {isFiltered({ ...view, q: "" }) && (
          <div className="field field-check">
            <button
              type="button"
              className="link-button"
              onClick={() => onChange({ ...DEFAULT_VIEW, q: view.q, sort: view.sort, size: view.size })}
            >
              Clear filters
            </button>
          </div>
        )}
      </div>
    </details>
  );
}
