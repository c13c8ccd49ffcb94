import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    testTimeout: 60_000,
    // The Chromium suites build the web bundle and start a browser in beforeAll.
    hookTimeout: 120_000,
    pool: "forks",
  },
});
