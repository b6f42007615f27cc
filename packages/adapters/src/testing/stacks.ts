import type { DaemonSettingsShape } from "@waiaas/domain"
import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { testArgon2Params } from "../PasswordHasher/Argon2.js"
import { MemoryStack, SqliteStack } from "../Stacks.js"

export const settingsFor = (dataDir: string, overrides: Partial<DaemonSettingsShape> = {}): DaemonSettingsShape => ({
  dataDir,
  baseUrl: "http://127.0.0.1:3100",
  sessionTtl: 86400,
  maxSessionsPerWallet: 5,
  sessionAbsoluteLifetime: 30 * 86400,
  maxRenewals: 30,
  rotationGracePeriod: 300,
  mcpCommand: "npx",
  mcpArgs: ["@waiaas/mcp"],
  ...overrides
})

/** A fresh stack in a fresh temp data dir, removed afterwards. */
const withTempDataDir = <A, E, R>(make: (dataDir: string) => Layer.Layer<A, E, R>) =>
  Layer.unwrapScoped(Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "waiaas-spec-"))),
      (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
    ),
    make
  ))

/** The two stacks every domain spec runs against: in-memory fakes, and the live adapters on a temp dir. */
export const stacks = [
  ["memory", (overrides: Partial<DaemonSettingsShape> = {}) =>
    withTempDataDir((dir) => MemoryStack(settingsFor(dir, overrides)))],
  ["sqlite", (overrides: Partial<DaemonSettingsShape> = {}) =>
    withTempDataDir((dir) => SqliteStack({ settings: settingsFor(dir, overrides), argon2: testArgon2Params }))]
] as const
