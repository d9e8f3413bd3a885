// The API client: openapi-fetch over the types generated from the backend's OpenAPI document.
import createClient, { type Middleware } from "openapi-fetch";
import { getToken } from "../lib/session";
import type { components, paths } from "./schema";

export type Task = components["schemas"]["TaskOut"];
export type TaskCreate = components["schemas"]["TaskCreate"];
export type TaskUpdate = components["schemas"]["TaskUpdate"];
export type TaskPage = components["schemas"]["TaskPage"];
export type TaskEvent = components["schemas"]["TaskEvent"];
export type TagCount = components["schemas"]["TagCount"];
export type Priority = components["schemas"]["Priority"];
export type User = components["schemas"]["UserOut"];
export type Token = components["schemas"]["TokenOut"];
export type Problem = components["schemas"]["Problem"];
export type ListQuery = NonNullable<paths["/api/tasks"]["get"]["parameters"]["query"]>;

export const PRIORITIES: Priority[] = ["none", "low", "medium", "high"];

/** An API failure, with the problem+json `detail` as its message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problem?: Problem,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** The field a validation error is about (`title` for loc ["body", "title"]). */
  fields(): string[] {
    return (this.problem?.errors ?? [])
      .map((e) => e.loc[e.loc.length - 1])
      .filter((f): f is string => typeof f === "string");
  }
}

let unauthorized: () => void = () => {};
/** Called when any API call except login/signup answers 401: the session is over. */
export function onUnauthorized(handler: () => void): void {
  unauthorized = handler;
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = getToken();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && !new URL(request.url).pathname.startsWith("/api/auth/")) {
      unauthorized();
    }
    return response;
  },
};

export const api = createClient<paths>({
  baseUrl: window.location.origin,
  // Looked up per call, so tests can replace fetch after the client exists.
  fetch: (request) => globalThis.fetch(request),
});
api.use(auth);

function isProblem(body: unknown): body is Problem {
  return typeof body === "object" && body !== null && typeof (body as Problem).detail === "string";
}

/** The data of a call, or an ApiError carrying the server's problem detail. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw new ApiError(0, "Cannot reach the server. Check your connection and try again.");
  }
  const { data, error, response } = result;
  if (!response.ok) {
    if (isProblem(error)) throw new ApiError(response.status, error.detail, error);
    throw new ApiError(
      response.status,
      `The server answered ${response.status} ${response.statusText}`.trim(),
    );
  }
  return data as T;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return "Something went wrong.";
}

/** `If-Match` for a task: its version, as the ETag carries it. */
export function ifMatch(task: Pick<Task, "version">): { "If-Match": string } {
  return { "If-Match": `"${task.version}"` };
}
