import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option } from "effect"
import { TEST_PASSWORD, TestDaemon, TestDaemonLive } from "../testing/TestDaemon.js"
import { mcpTokenLines, status } from "./Status.js"
import { captureConsole } from "./testing/CapturedConsole.js"

const run = (env: Record<string, string>) =>
  captureConsole(status(env).pipe(Effect.provide([NodeHttpClient.layerUndici, NodeContext.layer])))

const failureMessage = (exit: Exit.Exit<unknown, { readonly message: string }>) =>
  Exit.isFailure(exit) ? Option.getOrThrow(Cause.failureOption(exit.cause)).message : "(succeeded)"

describe("waiaas status", () => {
  it.live("shows version, data dir, wallets and MCP tokens with their expiry", () =>
    Effect.gen(function*() {
      const daemon = yield* TestDaemon
      const created = yield* daemon.admin({ method: "POST", path: "/v1/wallets", body: { name: "main" } })
      yield* daemon.admin({ method: "POST", path: "/v1/wallets", body: { name: "idle" } })
      yield* daemon.admin({ method: "POST", path: "/v1/mcp/tokens", body: { walletId: created.json.id, expiresIn: 3600 } })
      const result = yield* run({
        WAIAAS_BASE_URL: `http://127.0.0.1:${daemon.port}`,
        WAIAAS_MASTER_PASSWORD: TEST_PASSWORD,
        WAIAAS_DATA_DIR: daemon.dataDir
      })
      expect(result.exit).toEqual(Exit.void)
      const lines = result.stdout
      expect(lines[0]).toMatch(new RegExp(`^WAIaaS daemon \\d+\\.\\d+\\.\\d+ is running at http://127\\.0\\.0\\.1:${daemon.port} \\(up .+\\)\\.$`))
      expect(lines[1]).toBe(`Data dir: ${daemon.dataDir}`)
      expect(lines[2]).toBe("Wallets: 2")
      expect(lines.slice(3, 5)).toContainEqual(`  main  ${created.json.id}  solana/devnet`)
      expect(lines[5]).toBe("MCP tokens: 1")
      expect(lines[6]).toMatch(/^ {2}waiaas-main {2}"main" {2}expires \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in (59m|1h)\)$/)
      expect(result.out()).not.toContain(TEST_PASSWORD)
    }).pipe(Effect.provide(TestDaemonLive({ stack: "sqlite" }))))

  it.live("without a master password, shows what /health tells and says what is missing", () =>
    Effect.gen(function*() {
      const daemon = yield* TestDaemon
      const result = yield* run({ WAIAAS_BASE_URL: `http://127.0.0.1:${daemon.port}`, WAIAAS_DATA_DIR: daemon.dataDir })
      expect(result.exit).toEqual(Exit.void)
      expect(result.stdout[2]).toMatch(/^Wallets and MCP tokens: not shown without the master password \(set WAIAAS_MASTER_PASSWORD/)
    }).pipe(Effect.provide(TestDaemonLive({ stack: "sqlite" }))))

  it.live("says clearly that no daemon is running", () =>
    Effect.gen(function*() {
      const result = yield* run({ WAIAAS_BASE_URL: "http://127.0.0.1:9" })
      expect(failureMessage(result.exit)).toBe("WAIaaS daemon is not reachable at http://127.0.0.1:9 — start it with `npm start`")
    }))
})

describe("mcpTokenLines", () => {
  it("says when a token expired, was revoked, or its file is missing or stale", () => {
    const base = {
      walletId: "w" as any,
      sessionId: "s" as any,
      tokenPath: "/d/mcp-tokens/w",
      fileOnDisk: true,
      fileMatches: true
    }
    expect(mcpTokenLines([
      { ...base, walletName: "a", serverName: "waiaas-a", status: "ACTIVE", expiresAt: 1_000 + 7_200 },
      { ...base, walletName: "bb", serverName: "waiaas-bb", status: "EXPIRED", expiresAt: 1_000 - 60, fileMatches: false },
      { ...base, walletName: "c", serverName: "waiaas-c", status: "REVOKED", expiresAt: 0, fileOnDisk: false, fileMatches: false }
    ], 1_000)).toEqual([
      "  waiaas-a   \"a\"   expires 1970-01-01T02:16:40Z (in 2h)",
      "  waiaas-bb  \"bb\"  expired 1970-01-01T00:15:40Z (1m ago)  (token file holds another token)",
      "  waiaas-c   \"c\"   revoked  (token file missing)"
    ])
  })
})
