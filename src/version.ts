import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The version field of reclens's package.json (works from src/ and dist/, one level below the root). */
export function packageVersion(): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const pkg = JSON.parse(readFileSync(`${here}/../package.json`, "utf8")) as { version: string };
  return pkg.version;
}
