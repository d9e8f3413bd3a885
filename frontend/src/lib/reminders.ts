// Reminders: a system notification when the user allowed them, an in-app message otherwise.
import type { ReminderMessage } from "./live";
import { formatDateTime } from "./time";

export type Permission = NotificationPermission | "unsupported";

export function notificationPermission(): Permission {
  return "Notification" in window ? Notification.permission : "unsupported";
}

export async function requestNotifications(): Promise<Permission> {
  if (!("Notification" in window)) return "unsupported";
  try {
    return await Notification.requestPermission();
  } catch {
    return Notification.permission;
  }
}

export function reminderText(message: ReminderMessage): { title: string; body: string } {
  return {
    title: `Reminder: ${message.title}`,
    body: message.due_date ? `Due ${formatDateTime(message.due_date)}` : "No due date",
  };
}

/** Shows the reminder; returns how. `toast` is the in-app fallback. */
export function showReminder(
  message: ReminderMessage,
  toast: (title: string, body: string) => void,
  onOpen?: () => void,
): "notification" | "toast" {
  const { title, body } = reminderText(message);
  if (notificationPermission() === "granted") {
    try {
      const note = new Notification(title, { body, tag: `todo-reminder-${message.task_id}` });
      note.onclick = () => {
        window.focus();
        onOpen?.();
        note.close();
      };
      return "notification";
    } catch {
      // Some browsers (Chrome on Android) only notify from a service worker: fall through.
    }
  }
  toast(title, body);
  return "toast";
}
