// Fan-out of the tab's live messages to the screens that care.
import { createContext, useContext, useEffect, useRef } from "react";
import type { TaskUpdateMessage } from "./live";

export type LiveEvent = { kind: "update"; message: TaskUpdateMessage } | { kind: "resync" };
type Listener = (event: LiveEvent) => void;

export class LiveBus {
  private listeners = new Set<Listener>();

  emit(event: LiveEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export const LiveContext = createContext(new LiveBus());

export function useLiveEvents(handler: Listener): void {
  const bus = useContext(LiveContext);
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => bus.subscribe((event) => latest.current(event)), [bus]);
}
