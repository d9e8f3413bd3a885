// Tags as removable chips; typing suggests the user's existing tags (from /api/tags).
import { type KeyboardEvent, useId, useState } from "react";

export function normalizeTag(text: string): string {
  return text.trim().toLowerCase();
}

export function TagInput({
  id,
  label,
  tags,
  suggestions,
  onChange,
  hint,
  invalid,
}: {
  id: string;
  label: string;
  tags: string[];
  suggestions: string[];
  onChange: (tags: string[]) => void;
  hint?: string;
  invalid?: boolean;
}) {
  const [draft, setDraft] = useState("");
  const listId = useId();
  const hintId = useId();

  const add = (text: string) => {
    const fresh = text
      .split(",")
      .map(normalizeTag)
      .filter((t) => t && !tags.includes(t));
    if (fresh.length) onChange([...tags, ...new Set(fresh)]);
    setDraft("");
  };

  const keyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Enter" || e.key === ",") {
      if (draft.trim()) {
        e.preventDefault();
        add(draft);
      } else if (e.key === ",") {
        e.preventDefault();
      }
    } else if (e.key === "Backspace" && !draft && tags.length) {
      onChange(tags.slice(0, -1));
    }
  };

  const available = suggestions.filter((s) => !tags.includes(s));

  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="tag-box">
        {tags.length > 0 && (
          <ul className="chips" aria-label={`Chosen ${label.toLowerCase()}`}>
            {tags.map((tag) => (
              <li key={tag} className="chip">
                {tag}
                <button
                  type="button"
                  className="chip-remove"
                  aria-label={`Remove tag ${tag}`}
                  onClick={() => onChange(tags.filter((t) => t !== tag))}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
        <input
          id={id}
          list={listId}
          value={draft}
          autoComplete="off"
          aria-describedby={hintId}
          aria-invalid={invalid || undefined}
          onChange={(e) => {
            const value = e.target.value;
            // Picking a suggestion from the list is not typing (no InputEvent, or a
            // replacement): take the tag at once.
            const native = e.nativeEvent as InputEvent;
            const picked = !(native instanceof InputEvent) || native.inputType === "insertReplacementText";
            if (picked && available.includes(value)) add(value);
            else setDraft(value);
          }}
          onKeyDown={keyDown}
          onBlur={() => draft.trim() && add(draft)}
        />
        <datalist id={listId}>
          {available.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      </div>
      <p id={hintId} className="hint">
        {hint ?? "Enter or comma adds a tag."}
      </p>
    </div>
  );
}
