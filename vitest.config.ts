import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.{ts,mjs}"],
    // Synthesizing stacks and starting real servers take seconds, not milliseconds.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    env: { CHECKPOINT_DISABLE: "1" },
  },
});
