import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";

/** Most files and bytes of a built panel read into memory. */
const MAX_FILES = 500;
const MAX_BYTES = 32 * 1024 * 1024;

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  json: "application/json",
  woff2: "font/woff2",
  txt: "text/plain; charset=utf-8",
};

/** Content-Security-Policy of the panel: everything from this origin, nothing from anywhere else. */
export const PANEL_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** A file of the built panel, held in memory. */
export interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
}

/** The built panel's default location: dist/web next to the compiled server, or under the package root. */
export function defaultWebRoot(): string | undefined {
  const here = fileURLToPath(new URL(".", import.meta.url));
  for (const dir of [join(here, "..", "web"), join(here, "..", "..", "dist", "web")])
    if (existsSync(join(dir, "index.html"))) return dir;
  return undefined;
}

/**
 * Reads every file under `root` into memory, keyed by URL path ("/index.html", "/assets/x.js").
 * Requests are then answered from this map only: no request path ever reaches the file system.
 */
export function readStaticFiles(root: string): Map<string, StaticFile> {
  const out = new Map<string, StaticFile>();
  let bytes = 0;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        bytes += statSync(path).size;
        if (out.size >= MAX_FILES || bytes > MAX_BYTES)
          throw new Error(`${root}: more than ${MAX_FILES} files or ${MAX_BYTES} bytes; not a built panel?`);
        const ext = entry.name.split(".").pop() ?? "";
        out.set(`/${relative(root, path).split(sep).join("/")}`, {
          body: readFileSync(path),
          type: TYPES[ext] ?? "application/octet-stream",
        });
      }
    }
  };
  walk(root);
  return out;
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>reclens</title></head><body><h1>reclens</h1><p>The control panel is not built. Run <code>npm run build:web</code>; the HTTP API is available under <code>/api/</code>.</p></body></html>`;

/** Serves the built panel (one GET route per file, "/" = index.html), or a notice when it is absent. */
export function registerStaticRoutes(app: FastifyInstance, root: string | undefined): void {
  const files = root !== undefined ? readStaticFiles(root) : new Map<string, StaticFile>();
  const index = files.get("/index.html") ?? { body: Buffer.from(NOT_BUILT), type: TYPES.html };
  const send = (file: StaticFile, immutable: boolean) => async (_req: unknown, reply: FastifyReply) =>
    reply
      .header("content-type", file.type)
      .header("content-security-policy", PANEL_CSP)
      .header("x-content-type-options", "nosniff")
      .header("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache")
      .send(file.body);
  app.get("/", send(index, false));
  for (const [path, file] of files)
    if (path !== "/index.html") app.get(path, send(file, path.startsWith("/assets/")));
}
