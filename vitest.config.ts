import { defineConfig } from "vitest/config"

// Workspace packages resolve to their TypeScript sources ("source" export condition), so tests never
// run against stale build output.
const conditions = ["source", "import", "module", "node", "default"]

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: ["packages/*/src/**/*.test.ts", "bench/**/*.test.ts"],
    setupFiles: ["./vitest.setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    reporters: ["default", "./vitest.summary.ts"]
  }
})
