/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev` serves the app on 127.0.0.1:5173 and forwards the API to `make run` on :8000.
const backend = process.env.TODO_API ?? "http://127.0.0.1:8000";
// Tests run in a fixed zone with daylight saving time, so conversions meet a real offset.
if (process.env.VITEST) process.env.TZ = "Europe/Paris";

export default defineConfig({
  plugins: [react()],
  server: {
    host: "127.0.0.1",
    port: 5173,
    strictPort: true,
    proxy: {
      "/api": backend,
      "/healthz": backend,
      "/ws": { target: backend.replace(/^http/, "ws"), ws: true },
    },
  },
  build: { outDir: "dist", sourcemap: true, target: "es2022" },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    pool: "threads",
    maxWorkers: 2,
    restoreMocks: true,
    // Dialog tests type whole forms with user-event: about 1 s on a quiet machine, over 5 s
    // (Vitest's default limit) on a busy 2-core one (a cold CI run timed out there).
    testTimeout: 20_000,
  },
});
