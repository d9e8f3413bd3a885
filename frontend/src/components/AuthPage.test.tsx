import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { mockApi, problem } from "../test/api";
import { AuthPage } from "./AuthPage";

const user = { id: 7, email: "ann@example.com", name: "Ann", created_at: "2030-01-01T00:00:00Z" };

describe("sign up and log in", () => {
  it("signs up, keeps the token and goes where the user was heading", async () => {
    const { calls } = mockApi({
      "POST /api/auth/signup": () => ({ status: 201, body: { access_token: "tok", token_type: "bearer", user } }),
    });
    const onSignedIn = vi.fn();
    render(<AuthPage mode="signup" next="/tasks/3/history" onSignedIn={onSignedIn} />);
    await userEvent.type(screen.getByLabelText("Name (optional)"), "Ann");
    await userEvent.type(screen.getByLabelText("Email"), "ann@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "a long secret");
    await userEvent.click(screen.getByRole("button", { name: "Sign up" }));
    expect(calls[0]!.body).toEqual({ email: "ann@example.com", password: "a long secret", name: "Ann" });
    expect(localStorage.getItem("todo.token")).toBe("tok");
    expect(onSignedIn).toHaveBeenCalledWith({ token: "tok", user });
    expect(window.location.pathname).toBe("/tasks/3/history");
  });

  it("shows the problem detail when the login is refused", async () => {
    mockApi({ "POST /api/auth/login": () => problem(401, "wrong email or password") });
    render(<AuthPage mode="login" next="/" onSignedIn={vi.fn()} />);
    await userEvent.type(screen.getByLabelText("Email"), "ann@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "nope nope");
    await userEvent.keyboard("{Enter}");
    expect(await screen.findByRole("alert")).toHaveTextContent("wrong email or password");
    expect(localStorage.getItem("todo.token")).toBeNull();
  });

  it("says so when the server cannot be reached", async () => {
    vi.stubGlobal("fetch", vi.fn().mockRejectedValue(new TypeError("Failed to fetch")));
    render(<AuthPage mode="login" next="/" onSignedIn={vi.fn()} />);
    await userEvent.type(screen.getByLabelText("Email"), "ann@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "whatever1");
    await userEvent.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Cannot reach the server");
  });

  it("ignores a next address on another site", async () => {
    mockApi({
      "POST /api/auth/login": () => ({ body: { access_token: "tok", token_type: "bearer", user } }),
    });
    render(<AuthPage mode="login" next="//evil.example/" onSignedIn={vi.fn()} />);
    await userEvent.type(screen.getByLabelText("Email"), "ann@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "a long secret{Enter}");
    await vi.waitFor(() => expect(localStorage.getItem("todo.token")).toBe("tok"));
    expect(window.location.pathname).toBe("/");
  });
});
