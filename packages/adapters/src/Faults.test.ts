import { afterAll, describe, expect, it } from "@effect/vitest"
import {
  authenticateSession,
  createSession,
  createWallet,
  EventLog,
  provisionMcpToken,
  renewSession,
  repairTokenFiles,
  revokeMcpToken,
  rotateSecret,
  SessionRepo,
  sweepExpiredSessions,
  TokenFiles,
  TokenFileWriteFailed,
  TokenSigner,
  type WalletId
} from "@waiaas/domain"
import { Effect, Either, Layer, Option, Redacted, Ref, TestClock } from "effect"
import { TokenFilesFaulty } from "./TokenFiles/Memory.js"
import { stacks } from "./testing/stacks.js"

// Token-file writes that fail (a full disk, a read-only mount), on both stacks: every program that writes
// a file must leave the database and the token directory agreeing, keep the previous file as it was, and
// keep working once the disk does.

const NOW_MS = 1_800_000_000_000

/**
 * The stack with its TokenFiles wrapped: `failWrites` switches ENOSPC on and off, and `flakiness` (0..1)
 * makes that share of writes fail at random, after a few yields, as a real disk answers asynchronously.
 */
const faultyStack = (stack: Layer.Layer<any, any, any>, failWrites: Ref.Ref<boolean>, flakiness: Ref.Ref<number>) => {
  const flaky = Layer.effect(
    TokenFiles,
    Effect.map(TokenFiles, (files) =>
      TokenFiles.of({
        ...files,
        write: (walletId, token) =>
          Effect.gen(function*() {
            for (let i = Math.floor(Math.random() * 4); i > 0; i--) yield* Effect.yieldNow()
            if (yield* Ref.get(failWrites)) injected++ // TokenFilesFaulty below fails it with ENOSPC
            else if (Math.random() < (yield* Ref.get(flakiness))) {
              injected++
              return yield* new TokenFileWriteFailed({ message: "Could not write the token file (EIO)", details: { walletId, code: "EIO" } })
            }
            return yield* files.write(walletId, token)
          })
      }))
  )
  return Layer.provideMerge(flaky.pipe(Layer.provide(TokenFilesFaulty(failWrites))), stack)
}

/** Write failures injected over the whole file, for the reliability figures. */
let injected = 0
afterAll(() => process.stdout.write(`[reliability] ${JSON.stringify({ test: "token file faults (domain)", faultsInjected: injected })}\n`))

const errorTag = <A, E extends { _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.either(effect), Either.match({ onLeft: (e) => e._tag, onRight: () => "ok" }))

/** What must hold for one wallet: at most one active MCP session, and a file exactly when there is one, with its token. */
const walletProblems = (walletId: WalletId) =>
  Effect.gen(function*() {
    const now = Math.floor((yield* TestClock.currentTimeMillis) / 1000)
    const active = yield* (yield* SessionRepo).list({ walletId, source: "mcp", status: "ACTIVE", now, limit: 100 })
    const file = yield* (yield* TokenFiles).read(walletId)
    const signer = yield* TokenSigner
    const problems: Array<string> = []
    if (active.length > 1) problems.push(`${active.length} active MCP sessions`)
    if (Option.isSome(file) && active.length === 0) problems.push("a token file, but no active MCP session")
    if (Option.isNone(file) && active.length > 0) problems.push("an active MCP session, but no token file")
    if (Option.isSome(file) && active.length > 0 && !active.some((s) => s.tokenHash === signer.fingerprint(file.value))) {
      problems.push("the token file holds no active session's current token")
    }
    return problems
  })

describe.each(stacks)("token file faults on the %s stack", (_, makeStack) => {
  const run = <A, E>(effect: (failWrites: Ref.Ref<boolean>, flakiness: Ref.Ref<number>) => Effect.Effect<A, E, any>) =>
    Effect.gen(function*() {
      const failWrites = yield* Ref.make(false)
      const flakiness = yield* Ref.make(0)
      yield* TestClock.setTime(NOW_MS)
      return yield* effect(failWrites, flakiness).pipe(Effect.provide(faultyStack(makeStack(), failWrites, flakiness)))
    }).pipe(Effect.scoped) as Effect.Effect<A, E>

  const fileOf = (walletId: WalletId) => Effect.flatMap(TokenFiles, (files) => files.read(walletId))
  const renew = (token: Redacted.Redacted<string>) =>
    Effect.gen(function*() {
      const claims = yield* (yield* TokenSigner).verify(token)
      return yield* renewSession(claims.sub, token, claims)
    })

  it.effect("a re-provisioning whose write fails: TOKEN_FILE_WRITE_FAILED, the new session revoked, the old one and its file kept", () =>
    run((failWrites) =>
      Effect.gen(function*() {
        const wallet = yield* createWallet({ name: "full disk" })
        yield* provisionMcpToken(wallet.id)
        const before = Option.getOrThrow(yield* fileOf(wallet.id))
        const oldSession = (yield* authenticateSession(before)).session

        yield* Ref.set(failWrites, true)
        const error = yield* Effect.flip(provisionMcpToken(wallet.id))
        expect(error).toMatchObject({ _tag: "TokenFileWriteFailed", details: { code: "ENOSPC", walletId: wallet.id } })
        expect(Redacted.value(Option.getOrThrow(yield* fileOf(wallet.id)))).toBe(Redacted.value(before))
        expect((yield* authenticateSession(before)).session.id).toBe(oldSession.id)
        const all = yield* (yield* SessionRepo).list({ walletId: wallet.id, now: NOW_MS / 1000, limit: 10 })
        expect(all.map((s) => s.revokedAt === null)).toEqual([false, true]) // newest first: the failed one is revoked
        expect(yield* walletProblems(wallet.id)).toEqual([])
        // The audit log ends as the sessions do: the failed one revoked, the old one working again.
        const failed = all[0]!
        const log = [...(yield* (yield* EventLog).page({ limit: 50 })).items].reverse()
        expect(log.map(({ details, sessionId, type }) => ({ type, sessionId, details }))).toEqual([
          { type: "SESSION_CREATED", sessionId: oldSession.id, details: {} },
          { type: "MCP_TOKEN_PROVISIONED", sessionId: oldSession.id, details: {} },
          { type: "SESSION_REVOKED", sessionId: oldSession.id, details: {} },
          { type: "SESSION_CREATED", sessionId: failed.id, details: {} },
          { type: "SESSION_REVOKED", sessionId: failed.id, details: { reason: "token file not written" } },
          { type: "SESSION_REINSTATED", sessionId: oldSession.id, details: { reason: "token file not written" } }
        ])

        yield* Ref.set(failWrites, false)
        yield* provisionMcpToken(wallet.id)
        expect(yield* errorTag(authenticateSession(before))).toBe("SessionRevoked")
        expect(yield* walletProblems(wallet.id)).toEqual([])
      })))

  it.effect("a first provisioning whose write fails leaves no session and no file", () =>
    run((failWrites) =>
      Effect.gen(function*() {
        const wallet = yield* createWallet({ name: "first" })
        yield* Ref.set(failWrites, true)
        expect(yield* errorTag(provisionMcpToken(wallet.id))).toBe("TokenFileWriteFailed")
        expect(Option.isNone(yield* fileOf(wallet.id))).toBe(true)
        expect(yield* (yield* SessionRepo).countActive(wallet.id, NOW_MS / 1000)).toBe(0)
      })))

  it.effect("a renewal whose write fails is undone: the old token stays current and in the file", () =>
    run((failWrites) =>
      Effect.gen(function*() {
        const wallet = yield* createWallet({ name: "renewal" })
        yield* provisionMcpToken(wallet.id, 600)
        const token = Option.getOrThrow(yield* fileOf(wallet.id))
        yield* TestClock.adjust("301 seconds")
        yield* Ref.set(failWrites, true)
        expect(yield* errorTag(renew(token))).toBe("TokenFileWriteFailed")
        expect(Redacted.value(Option.getOrThrow(yield* fileOf(wallet.id)))).toBe(Redacted.value(token))
        expect((yield* authenticateSession(token)).session.renewalCount).toBe(0)
        yield* Ref.set(failWrites, false)
        const renewed = yield* renew(token)
        expect(Redacted.value(Option.getOrThrow(yield* fileOf(wallet.id)))).toBe(Redacted.value(renewed.token))
        expect(yield* walletProblems(wallet.id)).toEqual([])
      })))

  it.effect("a rotation whose writes fail keeps every file's token working, and repair re-signs them once the disk works", () =>
    run((failWrites) =>
      Effect.gen(function*() {
        const wallet = yield* createWallet({ name: "rotation" })
        yield* provisionMcpToken(wallet.id)
        const token = Option.getOrThrow(yield* fileOf(wallet.id))
        yield* Ref.set(failWrites, true)
        expect((yield* rotateSecret()).resignedMcpTokens).toBe(0)
        expect(Redacted.value(Option.getOrThrow(yield* fileOf(wallet.id)))).toBe(Redacted.value(token))
        expect((yield* authenticateSession(token)).session.walletId).toBe(wallet.id)

        // As if a kill came between commit and file: an active MCP session whose file was never written.
        const other = yield* createWallet({ name: "unwritten" })
        yield* createSession({ walletId: other.id, source: "mcp" })
        expect(yield* repairTokenFiles()).toEqual({ reissued: 0, removed: 0 })
        expect(Option.isNone(yield* fileOf(other.id))).toBe(true)
        yield* Ref.set(failWrites, false)
        // Once the disk works again (at start, and every minute), both are repaired: the unwritten file, and
        // the one still signed with the old secret, which would stop working when the grace window ends.
        expect((yield* repairTokenFiles()).reissued).toBe(2)
        expect(yield* walletProblems(other.id)).toEqual([])
        expect(yield* walletProblems(wallet.id)).toEqual([])
        yield* TestClock.adjust("301 seconds")
        for (const walletId of [wallet.id, other.id]) {
          expect((yield* authenticateSession(Option.getOrThrow(yield* fileOf(walletId)))).session.walletId).toBe(walletId)
        }
        expect(yield* repairTokenFiles()).toEqual({ reissued: 0, removed: 0 })
      })))

  it.effect("a disk failing at random while provisions, renewals and revocations race keeps every wallet consistent", () =>
    run((_, flakiness) =>
      Effect.gen(function*() {
        const wallets = yield* Effect.forEach([1, 2, 3], (n) => createWallet({ name: `race ${n}` }))
        for (let round = 0; round < (process.env.WAIAAS_SOAK === "1" ? 250 : 25); round++) {
          yield* Ref.set(flakiness, 0)
          // Tokens from the previous round are renewable now, those from the one before have expired and
          // are swept (the daemon sweeps every minute).
          yield* TestClock.adjust("301 seconds")
          yield* sweepExpiredSessions()
          for (const wallet of wallets) {
            if (Option.isNone(yield* fileOf(wallet.id))) yield* provisionMcpToken(wallet.id, 600) // not renewable yet
          }
          const tokens = yield* Effect.forEach(wallets, (wallet) => Effect.map(fileOf(wallet.id), Option.getOrThrow))
          yield* Ref.set(flakiness, 0.5)
          const ops = wallets.flatMap((wallet, i): Array<Effect.Effect<unknown, unknown, any>> => [
            provisionMcpToken(wallet.id, 600),
            provisionMcpToken(wallet.id, 600),
            provisionMcpToken(wallet.id, 600),
            renew(tokens[i]!),
            renew(tokens[i]!),
            ...(round % 3 === i ? [revokeMcpToken(wallet.id)] : [])
          ])
          yield* Effect.all(ops.map((op) => Effect.either(op)), { concurrency: "unbounded" })
          for (const wallet of wallets) expect(yield* walletProblems(wallet.id)).toEqual([])
        }
      })))
})
