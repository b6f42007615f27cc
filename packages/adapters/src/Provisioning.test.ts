import { describe, expect, it } from "@effect/vitest"
import {
  authenticateSession,
  createSession,
  createWallet,
  EventLog,
  previewProvisioning,
  provisionMcpToken,
  renameWallet,
  SessionRepo,
  TokenFiles,
  WalletId
} from "@waiaas/domain"
import { Effect, Exit, FastCheck, Option, Redacted, TestClock } from "effect"
import { createHash } from "node:crypto"
import * as path from "node:path"
import { stacks } from "./testing/stacks.js"

const NOW_MS = 1_800_000_000_000
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

describe.each(stacks)("provisionMcpToken on the %s stack", (_, makeStack) => {
  const run = <A, E>(effect: Effect.Effect<A, E, any>) =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW_MS)
      return yield* effect
    }).pipe(Effect.provide(makeStack()), Effect.scoped) as Effect.Effect<A, E>

  it.effect("writes the token file and answers with the Claude Desktop config", () =>
    run(Effect.gen(function*() {
      const wallet = yield* createWallet({ name: "Trading Bot" })
      const result = yield* provisionMcpToken(wallet.id)
      const token = Option.getOrThrow(yield* (yield* TokenFiles).read(wallet.id))
      expect(Redacted.value(token)).toMatch(/^wai_sess_[\w-]+\.[\w-]+\.[\w-]+$/)
      expect(result).toMatchObject({
        walletId: wallet.id,
        walletName: "Trading Bot",
        serverName: "waiaas-trading-bot",
        expiresAt: NOW_MS / 1000 + 86400
      })
      expect(result.tokenPath.endsWith(path.join("mcp-tokens", wallet.id))).toBe(true)
      expect(result.claudeDesktopConfig.mcpServers["waiaas-trading-bot"]!.env.WAIAAS_WALLET_ID).toBe(wallet.id)
      const auth = yield* authenticateSession(token)
      expect(auth.session.source).toBe("mcp")
      expect(auth.session.tokenHash).toBe(sha256(Redacted.value(token)))
    })))

  it.effect("the preview is the answer's client config once the server name is fixed; none before, none for no wallet", () =>
    run(Effect.gen(function*() {
      const wallet = yield* createWallet({ name: "Trading Bot" })
      expect(yield* previewProvisioning(wallet.id)).toStrictEqual(Option.none())
      expect(yield* previewProvisioning(WalletId.make("01936b2e-1c4d-7a00-8000-0123456789ab"))).toStrictEqual(Option.none())
      const first = yield* provisionMcpToken(wallet.id)
      const preview = Option.getOrThrow(yield* previewProvisioning(wallet.id))
      expect(preview).toStrictEqual({
        walletName: first.walletName,
        serverName: first.serverName,
        claudeDesktopConfig: first.claudeDesktopConfig,
        clients: first.clients
      })
    })))

  it.effect("a fitting preview is used as it is; one made before a rename is not", () =>
    run(Effect.gen(function*() {
      const wallet = yield* createWallet({ name: "Trading Bot" })
      yield* provisionMcpToken(wallet.id)
      const preview = Option.getOrThrow(yield* previewProvisioning(wallet.id))
      const marked = Option.some({ ...preview, clients: [] })
      expect((yield* provisionMcpToken(wallet.id, undefined, marked)).clients).toEqual([])

      yield* renameWallet(wallet.id, "Savings")
      const renamed = yield* provisionMcpToken(wallet.id, undefined, marked)
      expect(renamed.walletName).toBe("Savings")
      expect(renamed.serverName).toBe("waiaas-trading-bot") // fixed at the first provisioning
      expect(renamed.clients.length).toBeGreaterThan(0)
      expect(renamed.claudeDesktopConfig.mcpServers["waiaas-trading-bot"]!.env.WAIAAS_WALLET_NAME).toBe("Savings")
    })))

  it.effect("fails with WalletNotFound for an unknown wallet and writes nothing", () =>
    run(Effect.gen(function*() {
      const id = WalletId.make("01936b2e-1c4d-7a00-8000-0123456789ab")
      const exit = yield* Effect.exit(provisionMcpToken(id))
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error._tag).toBe("WalletNotFound")
      expect(Option.isNone(yield* (yield* TokenFiles).read(id))).toBe(true)
    })))

  it.effect("re-provisioning revokes the previous MCP session and never fills the limit", () =>
    run(Effect.gen(function*() {
      const wallet = yield* createWallet({ name: "w" })
      const sessions = yield* SessionRepo
      for (let i = 0; i < 4; i++) yield* createSession({ walletId: wallet.id, source: "api" })
      const first = yield* provisionMcpToken(wallet.id)
      const firstSession = Option.getOrThrow(yield* sessions.findActiveMcp(wallet.id, NOW_MS / 1000))
      for (let i = 0; i < 10; i++) yield* provisionMcpToken(wallet.id)
      expect(yield* sessions.countActive(wallet.id, NOW_MS / 1000)).toBe(5)
      expect(Option.getOrThrow(yield* sessions.findById(firstSession.id)).revokedAt).toBe(NOW_MS / 1000)
      expect(first.serverName).toBe("waiaas-w")
    })))

  it.effect("fails with SessionLimitExceeded when the wallet's API sessions fill the limit", () =>
    run(Effect.gen(function*() {
      const wallet = yield* createWallet({ name: "full" })
      for (let i = 0; i < 5; i++) yield* createSession({ walletId: wallet.id, source: "api" })
      const error = yield* Effect.flip(provisionMcpToken(wallet.id))
      expect(error._tag).toBe("SessionLimitExceeded")
      expect(Option.isNone(yield* (yield* TokenFiles).read(wallet.id))).toBe(true)
    })))

  it.effect("honours expiresIn, and the token expires with it (TestClock, no sleeping)", () =>
    run(Effect.gen(function*() {
      const wallet = yield* createWallet({ name: "ttl" })
      const result = yield* provisionMcpToken(wallet.id, 600)
      expect(result.expiresAt).toBe(NOW_MS / 1000 + 600)
      const token = Option.getOrThrow(yield* (yield* TokenFiles).read(wallet.id))
      yield* TestClock.adjust("599 seconds")
      expect((yield* authenticateSession(token)).session.expiresAt).toBe(result.expiresAt)
      yield* TestClock.adjust("1 second")
      expect((yield* Effect.flip(authenticateSession(token)))._tag).toBe("TokenExpired")
    })))

  it.effect("records SESSION_REVOKED, SESSION_CREATED, MCP_TOKEN_PROVISIONED in this order; a refused one nothing", () =>
    run(Effect.gen(function*() {
      const wallet = yield* createWallet({ name: "events" })
      const sessions = yield* SessionRepo
      const events = Effect.map(
        Effect.flatMap(EventLog, (log) => log.page({ limit: 50 })),
        (page) => page.items.map(({ at, sessionId, type, walletId }) => ({ type, walletId, sessionId, at })).reverse()
      )
      yield* provisionMcpToken(wallet.id)
      const first = Option.getOrThrow(yield* sessions.findActiveMcp(wallet.id, NOW_MS / 1000))
      yield* provisionMcpToken(wallet.id)
      const second = Option.getOrThrow(yield* sessions.findActiveMcp(wallet.id, NOW_MS / 1000))
      const at = NOW_MS / 1000
      const expected = [
        { type: "SESSION_CREATED", walletId: wallet.id, sessionId: first.id, at },
        { type: "MCP_TOKEN_PROVISIONED", walletId: wallet.id, sessionId: first.id, at },
        { type: "SESSION_REVOKED", walletId: wallet.id, sessionId: first.id, at },
        { type: "SESSION_CREATED", walletId: wallet.id, sessionId: second.id, at },
        { type: "MCP_TOKEN_PROVISIONED", walletId: wallet.id, sessionId: second.id, at }
      ]
      expect(yield* events).toEqual(expected)
      // Five API sessions fill the wallet once its MCP session is gone (revoked here without an event).
      yield* sessions.revoke(second.id, at)
      for (let i = 0; i < 5; i++) yield* createSession({ walletId: wallet.id, source: "api" })
      const before = (yield* events).length
      expect((yield* Effect.flip(provisionMcpToken(wallet.id)))._tag).toBe("SessionLimitExceeded")
      expect(yield* events).toHaveLength(before)
    })))

  it.effect("a replaced token stops working at once", () =>
    run(Effect.gen(function*() {
      const wallet = yield* createWallet({ name: "replace" })
      const files = yield* TokenFiles
      yield* provisionMcpToken(wallet.id)
      const old = Option.getOrThrow(yield* files.read(wallet.id))
      yield* provisionMcpToken(wallet.id)
      const fresh = Option.getOrThrow(yield* files.read(wallet.id))
      expect((yield* Effect.flip(authenticateSession(old)))._tag).toBe("SessionRevoked")
      expect((yield* authenticateSession(fresh)).session.source).toBe("mcp")
    })))
})

describe("the session limit, on both stacks alike", () => {
  type Op = { readonly kind: "api" | "mcp" | "revoke" | "advance"; readonly wallet: number; readonly n: number }
  const op: FastCheck.Arbitrary<Op> = FastCheck.record({
    kind: FastCheck.constantFrom("api", "mcp", "revoke", "advance"),
    wallet: FastCheck.integer({ min: 0, max: 2 }),
    n: FastCheck.integer({ min: 0, max: 10 })
  })

  /** Applies the ops and reports, after each, its outcome and every wallet's active count. */
  const replay = (ops: ReadonlyArray<Op>) =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW_MS)
      const sessions = yield* SessionRepo
      const wallets = [yield* createWallet({ name: "a" }), yield* createWallet({ name: "b" }), yield* createWallet({ name: "c" })]
      const trace: Array<string> = []
      for (const { kind, n, wallet: index } of ops) {
        const wallet = wallets[index]!
        let outcome: string
        if (kind === "advance") {
          yield* TestClock.adjust(`${n * 1000} seconds`)
          outcome = "advanced"
        } else if (kind === "revoke") {
          const now = Math.floor((yield* TestClock.currentTimeMillis) / 1000)
          const active = yield* sessions.findActiveMcp(wallet.id, now)
          outcome = Option.isSome(active) ? String(yield* sessions.revoke(active.value.id, now)) : "none"
        } else {
          const program: Effect.Effect<unknown, { readonly _tag: string }, any> = kind === "mcp"
            ? provisionMcpToken(wallet.id, 300 + n * 600)
            : createSession({ walletId: wallet.id, expiresIn: 300 + n * 600, source: "api" })
          outcome = yield* program.pipe(Effect.as("ok"), Effect.catchAll((e) => Effect.succeed(e._tag)))
        }
        const now = Math.floor((yield* TestClock.currentTimeMillis) / 1000)
        const counts = yield* Effect.forEach(wallets, (w) => sessions.countActive(w.id, now))
        for (const count of counts) expect(count).toBeLessThanOrEqual(5)
        trace.push(`${kind}:${outcome}:${counts.join(",")}`)
      }
      return trace
    })

  it.effect.prop("random create/revoke/provision never exceeds the limit, and memory and SQLite agree step by step", [
    FastCheck.array(op, { maxLength: 40 })
  ], ([ops]) =>
    Effect.gen(function*() {
      const memory = yield* (replay(ops).pipe(Effect.provide(stacks[0][1]()), Effect.scoped) as Effect.Effect<Array<string>>)
      const sqlite = yield* (replay(ops).pipe(Effect.provide(stacks[1][1]()), Effect.scoped) as Effect.Effect<Array<string>>)
      expect(sqlite).toEqual(memory)
    }), { fastCheck: { numRuns: 25 } })
})
