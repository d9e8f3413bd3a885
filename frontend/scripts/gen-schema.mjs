// openapi.json -> TypeScript types for openapi-fetch, with openapi-typescript's Node API.
// Shared by scripts/gen-api.sh (writes the file) and src/api/schema.test.ts (checks it).
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

export const BANNER =
  "/* Generated from openapi.json by scripts/gen-api.sh (openapi-typescript). Do not edit. */\n\n";

export async function schemaTypes(openapiJson) {
  const ast = await openapiTS(JSON.parse(openapiJson));
  return BANNER + astToString(ast);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [src, dest] = process.argv.slice(2);
  writeFileSync(dest, await schemaTypes(readFileSync(src, "utf8")));
}
