// One task in the list: a checkbox for done, its details, and its actions.
import type { Task } from "../api/client";
import { describe } from "../lib/recurrence";
import { Link } from "../lib/router";
import { formatDateTime, formatRelative, isOverdue } from "../lib/time";
import { Icon } from "./Icon";

export function TaskItem({
  task,
  busy,
  onToggle,
  onEdit,
  onDelete,
}: {
  task: Task;
  busy: boolean;
  onToggle: (task: Task) => void;
  onEdit: (task: Task) => void;
  onDelete: (task: Task) => void;
}) {
  const overdue = isOverdue(task);
  const titleId = `task-${task.id}-title`;
  const classes = ["task", task.completed && "task-done", overdue && "task-overdue"].filter(Boolean).join(" ");
  return (
    <li className={classes} aria-labelledby={titleId} data-task-id={task.id}>
      <label className="task-check">
        <input
          type="checkbox"
          checked={task.completed}
          disabled={busy}
          aria-label={`Completed: ${task.title}`}
          onChange={() => onToggle(task)}
        />
        <span className="checkmark" aria-hidden="true" />
      </label>
      <div className="task-main">
        <div className="task-title-row">
          <span id={titleId} className="task-title">
            {task.title}
          </span>
          {task.completed && <span className="badge badge-done">Done</span>}
          {overdue && <span className="badge badge-overdue">Overdue</span>}
          {task.priority !== "none" && (
            <span className={`badge badge-${task.priority}`}>
              <span className="visually-hidden">Priority: </span>
              {task.priority}
            </span>
          )}
        </div>
        {task.description && <p className="task-description">{task.description}</p>}
        <ul className="task-meta">
          {task.due_at && (
            <li>
              <Icon name="calendar" size={14} /> 
              Due <time dateTime={task.due_at}>{formatDateTime(task.due_at)}</time>
              {!task.completed && <span className="muted"> ({formatRelative(task.due_at)})</span>}
            </li>
          )}
          {task.remind_at && !task.completed && (
            <li>
              <Icon name="bell" size={14} /> 
              Reminder <time dateTime={task.remind_at}>{formatDateTime(task.remind_at)}</time>
            </li>
          )}
          {task.recurrence && (
            <li>
              <Icon name="repeat" size={14} /> 
              {describe(task.recurrence)}
            </li>
          )}
          {task.completed && task.completed_at && (
            <li>
              Completed <time dateTime={task.completed_at}>{formatRelative(task.completed_at)}</time>
            </li>
          )}
          {task.tags.length > 0 && (
            <li className="task-tags">
              <span className="visually-hidden">Tags: </span>
              {task.tags.map((tag) => (
                <span key={tag} className="chip chip-static">
                  #{tag}
                </span>
              ))}
            </li>
          )}
        </ul>
      </div>
      <div className="task-actions">
        <button type="button" onClick={() => onEdit(task)} aria-label={`Edit ${task.title}`}>
          Edit
        </button>
        <Link to={`/tasks/${task.id}/history`} className="button" aria-label={`History of ${task.title}`}>
          History
        </Link>
        <button type="button" className="danger-quiet" onClick={() => onDelete(task)} aria-label={`Delete ${task.title}`}>
          Delete
        </button>
      </div>
    </li>
  );
}
