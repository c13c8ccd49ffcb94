import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/**
 * Build of the control panel: `npm run build:web` writes dist/web (served by the API server at /).
 * Everything is bundled locally; the page loads nothing from other origins.
 */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("../../../dist/web", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    modulePreload: { polyfill: false },
  },
  server: { proxy: { "/api": "http://127.0.0.1:7878" } },
});
