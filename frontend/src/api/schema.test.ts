// @vitest-environment node
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { schemaTypes } from "../../scripts/gen-schema.mjs";

describe("the generated API types", () => {
  it("match the committed openapi.json (run `npm run gen:api` when this fails)", async () => {
    const root = new URL("../../", import.meta.url);
    const openapi = readFileSync(new URL("openapi.json", root), "utf8");
    const committed = readFileSync(new URL("src/api/schema.d.ts", root), "utf8");
    expect(committed).toBe(await schemaTypes(openapi));
  });
});
