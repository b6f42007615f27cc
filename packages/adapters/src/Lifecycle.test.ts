import { describe, expect, it } from "@effect/vitest"
import {
  authenticateSession,
  createSession,
  createWallet,
  EventLog,
  listMcpTokens,
  listSessions,
  mcpConfig,
  provisionMcpToken,
  renewSession,
  repairTokenFiles,
  revokeAllSessions,
  revokeMcpToken,
  revokeSession,
  rotateSecret,
  SessionRepo,
  sweepExpiredSessions,
  TokenFiles,
  TokenSigner,
  WalletId
} from "@waiaas/domain"
import { Effect, Either, Option, Redacted, TestClock } from "effect"
import { stacks } from "./testing/stacks.js"

const NOW_MS = 1_800_000_000_000
const T0 = NOW_MS / 1000

describe.each(stacks)("session lifecycle on the %s stack", (_, makeStack) => {
  const run = <A, E>(effect: Effect.Effect<A, E, any>, overrides = {}) =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW_MS)
      return yield* effect
    }).pipe(Effect.provide(makeStack(overrides)), Effect.scoped) as Effect.Effect<A, E>

  const tokenFile = (walletId: WalletId) => Effect.flatMap(TokenFiles, (files) => files.read(walletId))
  const renew = (token: Redacted.Redacted<string>) =>
    Effect.gen(function*() {
      const claims = yield* (yield* TokenSigner).verify(token)
      return yield* renewSession(claims.sub, token, claims)
    })
  const errorTag = <A, E extends { _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.map(Effect.either(effect), Either.match({ onLeft: (e) => e._tag, onRight: () => "ok" }))

  describe("renewal", () => {
    it.effect("is refused before half the TTL with a retryAfter, then keeps the TTL and rewrites the MCP file", () =>
      run(Effect.gen(function*() {
        const wallet = yield* createWallet({ name: "r" })
        yield* provisionMcpToken(wallet.id, 3600)
        const token = Option.getOrThrow(yield* tokenFile(wallet.id))
        yield* TestClock.adjust("1000 seconds")
        const early = yield* Effect.flip(renew(token))
        expect(early._tag).toBe("RenewalTooEarly")
        expect(early.details).toMatchObject({ retryAfter: 800 })
        yield* TestClock.adjust("800 seconds")
        const renewed = yield* renew(token)
        expect(renewed).toMatchObject({ expiresAt: T0 + 1800 + 3600, renewalCount: 1 })
        expect(Redacted.value(Option.getOrThrow(yield* tokenFile(wallet.id)))).toBe(Redacted.value(renewed.token))
        expect(yield* errorTag(authenticateSession(token))).toBe("InvalidToken")
        expect((yield* authenticateSession(renewed.token)).session.renewalCount).toBe(1)
      })))

    it.effect("lets only one of two renewals with the same token win (compare-and-swap)", () =>
      run(Effect.gen(function*() {
        const wallet = yield* createWallet({ name: "cas" })
        const { token } = yield* createSession({ walletId: wallet.id, source: "api", expiresIn: 600 })
        yield* TestClock.adjust("300 seconds")
        const results = yield* Effect.all([errorTag(renew(token)), errorTag(renew(token))], { concurrency: 2 })
        expect([...results].sort()).toEqual(["SessionRenewalMismatch", "ok"])
      })))

    it.effect("checks, in order: revoked, renewal limit, absolute lifetime (and caps the expiry at it)", () =>
      run(
        Effect.gen(function*() {
          const wallet = yield* createWallet({ name: "limits" })
          const { session, token } = yield* createSession({ walletId: wallet.id, source: "api", expiresIn: 3600 })
          yield* TestClock.adjust("1800 seconds")
          const first = yield* renew(token)
          expect(first.expiresAt).toBe(T0 + 5000) // capped: absolute lifetime 5000 s
          yield* TestClock.adjust("2000 seconds")
          expect((yield* Effect.flip(renew(first.token)))._tag).toBe("RenewalLimitReached")

          const other = yield* createSession({ walletId: wallet.id, source: "api", expiresIn: 600 })
          yield* TestClock.adjust("1100 seconds") // past the first session's absolute lifetime, other still valid
          yield* (yield* SessionRepo).revoke(session.id, T0)
          expect(yield* errorTag(renew(first.token))).toBe("SessionRevoked")
          expect(yield* errorTag(renew(other.token))).toBe("TokenExpired")
        }),
        { maxRenewals: 1, sessionAbsoluteLifetime: 5000 }
      ))

    it.effect("refuses at the absolute lifetime even with renewals left", () =>
      run(
        Effect.gen(function*() {
          const wallet = yield* createWallet({ name: "abs" })
          const { token } = yield* createSession({ walletId: wallet.id, source: "api", expiresIn: 3600 })
          yield* TestClock.adjust("1800 seconds")
          const renewed = yield* renew(token)
          expect(renewed.expiresAt).toBe(T0 + 3700)
          // Over HTTP the token itself expires at the absolute expiry (TOKEN_EXPIRED comes first); the program
          // still refuses on its own, should it ever be reached with a token that outlives the session.
          const claims = yield* (yield* TokenSigner).verify(renewed.token)
          yield* TestClock.adjust("1900 seconds")
          expect(yield* errorTag(renewSession(claims.sub, renewed.token, claims))).toBe("SessionAbsoluteLifetimeExceeded")
          expect(yield* errorTag(renew(renewed.token))).toBe("TokenExpired")
        }),
        { sessionAbsoluteLifetime: 3700 }
      ))

    it.effect("names only the token's own session", () =>
      run(Effect.gen(function*() {
        const wallet = yield* createWallet({ name: "own" })
        const a = yield* createSession({ walletId: wallet.id, source: "api", expiresIn: 600 })
        const b = yield* createSession({ walletId: wallet.id, source: "api", expiresIn: 600 })
        yield* TestClock.adjust("400 seconds")
        const claims = yield* (yield* TokenSigner).verify(a.token)
        expect(yield* errorTag(renewSession(b.session.id, a.token, claims))).toBe("SessionNotFound")
      })))
  })

  describe("listing and revoking", () => {
    it.effect("lists sessions with their status, filtered by wallet and status, newest first", () =>
      run(Effect.gen(function*() {
        const wallet = yield* createWallet({ name: "list" })
        const other = yield* createWallet({ name: "other" })
        const a = yield* createSession({ walletId: wallet.id, source: "api", expiresIn: 300 })
        yield* TestClock.adjust("1 second")
        const b = yield* provisionMcpToken(wallet.id, 3600)
        yield* createSession({ walletId: other.id, source: "api" })
        yield* TestClock.adjust("400 seconds")
        const all = yield* listSessions({ walletId: wallet.id })
        expect(all.map((s) => [s.source, s.status])).toEqual([["mcp", "ACTIVE"], ["api", "EXPIRED"]])
        expect((yield* listSessions({ walletId: wallet.id, status: "EXPIRED" })).map((s) => s.id)).toEqual([a.session.id])
        expect(b.walletId).toBe(wallet.id)
        expect(JSON.stringify(all)).not.toContain("tokenHash")
      })))

    it.effect("revokes idempotently, removing an MCP file only while it holds that session's token", () =>
      run(Effect.gen(function*() {
        const wallet = yield* createWallet({ name: "rev" })
        const sessions = yield* SessionRepo
        yield* provisionMcpToken(wallet.id)
        const first = Option.getOrThrow(yield* sessions.findActiveMcp(wallet.id, T0))
        yield* provisionMcpToken(wallet.id)
        const second = Option.getOrThrow(yield* sessions.findActiveMcp(wallet.id, T0))
        expect((yield* revokeSession(first.id)).alreadyRevoked).toBe(true)
        expect(Option.isSome(yield* tokenFile(wallet.id))).toBe(true)
        const revoked = yield* revokeSession(second.id)
        expect(revoked).toMatchObject({ alreadyRevoked: false, session: { status: "REVOKED" } })
        expect(Option.isNone(yield* tokenFile(wallet.id))).toBe(true)
        expect((yield* revokeSession(second.id)).alreadyRevoked).toBe(true)
        expect(yield* errorTag(revokeSession(WalletId.make(wallet.id) as never))).toBe("SessionNotFound")
      })))

    it.effect("lists MCP tokens per wallet with their file state, revokes them, and gives the config again", () =>
      run(Effect.gen(function*() {
        const wallet = yield* createWallet({ name: "Token List" })
        expect(yield* errorTag(mcpConfig(wallet.id))).toBe("McpTokenNotFound")
        yield* provisionMcpToken(wallet.id)
        const [row] = yield* listMcpTokens()
        expect(row).toMatchObject({
          walletId: wallet.id,
          serverName: "waiaas-token-list",
          status: "ACTIVE",
          fileOnDisk: true,
          fileMatches: true
        })
        const config = yield* mcpConfig(wallet.id)
        expect(config.clients.map((c) => c.client)).toContain("codex")
        expect(config.claudeDesktopConfig.mcpServers["waiaas-token-list"]).toBeDefined()
        expect(yield* revokeMcpToken(wallet.id)).toMatchObject({ revoked: true })
        expect(Option.isNone(yield* tokenFile(wallet.id))).toBe(true)
        expect((yield* listMcpTokens())[0]).toMatchObject({ status: "REVOKED", fileOnDisk: false })
        expect(yield* revokeMcpToken(wallet.id)).toMatchObject({ revoked: false, sessionId: null })
      })))
  })

  describe("expiry and repair", () => {
    it.effect("the sweeper marks each expired session once, removes its file and records SESSION_EXPIRED", () =>
      run(Effect.gen(function*() {
        const wallet = yield* createWallet({ name: "sweep" })
        yield* provisionMcpToken(wallet.id, 300)
        yield* createSession({ walletId: wallet.id, source: "api", expiresIn: 600 })
        yield* TestClock.adjust("301 seconds")
        expect(yield* sweepExpiredSessions()).toBe(1)
        expect(Option.isNone(yield* tokenFile(wallet.id))).toBe(true)
        expect(yield* sweepExpiredSessions()).toBe(0)
        yield* TestClock.adjust("300 seconds")
        expect(yield* sweepExpiredSessions()).toBe(1)
        const events = yield* (yield* EventLog).page({ limit: 50 })
        expect(events.items.filter((e) => e.type === "SESSION_EXPIRED")).toHaveLength(2)
      })))

    it.effect("repair rewrites a missing or stale file for an active MCP session and removes orphans", () =>
      run(Effect.gen(function*() {
        const files = yield* TokenFiles
        const a = yield* createWallet({ name: "a" })
        const b = yield* createWallet({ name: "b" })
        yield* provisionMcpToken(a.id)
        yield* files.remove(a.id) // as if the daemon died between commit and write
        yield* files.write(b.id, Redacted.make("wai_sess_stale.stale.stale")) // a file no session owns
        expect(yield* repairTokenFiles()).toEqual({ reissued: 1, removed: 1 })
        const token = Option.getOrThrow(yield* files.read(a.id))
        expect((yield* authenticateSession(token)).session.walletId).toBe(a.id)
        expect(Option.isNone(yield* files.read(b.id))).toBe(true)
        expect(yield* repairTokenFiles()).toEqual({ reissued: 0, removed: 0 })
      })))
  })

  describe("secret rotation", () => {
    it.effect("re-signs MCP token files at once; API tokens work until the grace window ends; one rotation per window", () =>
      run(Effect.gen(function*() {
        const wallet = yield* createWallet({ name: "rot" })
        const sessions = yield* SessionRepo
        yield* provisionMcpToken(wallet.id)
        const mcpBefore = Option.getOrThrow(yield* tokenFile(wallet.id))
        const mcpSession = Option.getOrThrow(yield* sessions.findActiveMcp(wallet.id, T0))
        const api = yield* createSession({ walletId: wallet.id, source: "api" })

        const rotated = yield* rotateSecret()
        expect(rotated).toMatchObject({ rotatedAt: T0, graceEndsAt: T0 + 300, resignedMcpTokens: 1 })
        const mcpAfter = Option.getOrThrow(yield* tokenFile(wallet.id))
        expect(Redacted.value(mcpAfter)).not.toBe(Redacted.value(mcpBefore))
        const auth = yield* authenticateSession(mcpAfter)
        expect(auth.session).toMatchObject({ id: mcpSession.id, expiresAt: mcpSession.expiresAt })
        expect(yield* errorTag(authenticateSession(mcpBefore))).toBe("InvalidToken")
        expect((yield* authenticateSession(api.token)).session.id).toBe(api.session.id)

        const tooSoon = yield* Effect.flip(rotateSecret())
        expect(tooSoon).toMatchObject({ _tag: "RotationTooRecent", details: { retryAfter: 300 } })
        yield* TestClock.adjust("300 seconds")
        expect(yield* errorTag(authenticateSession(api.token))).toBe("InvalidToken")
        expect((yield* authenticateSession(mcpAfter)).session.id).toBe(mcpSession.id)
        expect((yield* rotateSecret()).resignedMcpTokens).toBe(1)
        const events = yield* (yield* EventLog).page({ limit: 50 })
        expect(events.items.filter((e) => e.type === "SECRET_ROTATED")).toHaveLength(2)
      })))

    it.effect("revoke-all revokes every session and removes every token file", () =>
      run(Effect.gen(function*() {
        const a = yield* createWallet({ name: "a" })
        const b = yield* createWallet({ name: "b" })
        yield* provisionMcpToken(a.id)
        yield* provisionMcpToken(b.id)
        const api = yield* createSession({ walletId: a.id, source: "api" })
        expect(yield* revokeAllSessions()).toEqual({ revoked: 3, removedFiles: 2 })
        expect((yield* (yield* TokenFiles).list)).toEqual([])
        expect(yield* errorTag(authenticateSession(api.token))).toBe("SessionRevoked")
      })))
  })
})
