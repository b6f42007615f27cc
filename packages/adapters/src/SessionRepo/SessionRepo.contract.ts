import { describe, expect, it } from "@effect/vitest"
import { SessionRepo, WalletRepo } from "@waiaas/domain"
import { Cause, Effect, Exit, type Layer, Option } from "effect"
import { makeSession, makeWallet, sessionId, walletId } from "../testing/fixtures.js"

const walletA = walletId(1)
const walletB = walletId(2)

/**
 * What every SessionRepo must do; `makeLayer` gives empty repositories on every build. WalletRepo comes
 * along because a session must belong to a stored wallet.
 */
export const sessionRepoContract = (name: string, makeLayer: () => Layer.Layer<SessionRepo | WalletRepo>) =>
  describe(`SessionRepo contract: ${name}`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, SessionRepo | WalletRepo>) =>
      Effect.gen(function*() {
        const wallets = yield* WalletRepo
        yield* wallets.insert(makeWallet(1))
        yield* wallets.insert(makeWallet(2))
        return yield* effect
      }).pipe(Effect.provide(makeLayer()))

    it.effect("finds an inserted session by id, field for field", () =>
      run(Effect.gen(function*() {
        const repo = yield* SessionRepo
        const plain = makeSession(10, walletA)
        const full = makeSession(11, walletB, {
          source: "mcp",
          renewalCount: 3,
          maxRenewals: 5,
          lastRenewedAt: 1_200,
          revokedAt: 1_300
        })
        yield* repo.insert(plain)
        yield* repo.insert(full)
        expect(yield* repo.findById(plain.id)).toEqual(Option.some(plain))
        expect(yield* repo.findById(full.id)).toEqual(Option.some(full))
        expect(yield* repo.findById(sessionId(99))).toEqual(Option.none())
      })))

    it.effect("a duplicate id or an unknown wallet is a defect", () =>
      run(Effect.gen(function*() {
        const repo = yield* SessionRepo
        yield* repo.insert(makeSession(10, walletA))
        const duplicate = yield* Effect.exit(repo.insert(makeSession(10, walletB)))
        const orphan = yield* Effect.exit(repo.insert(makeSession(11, walletId(3))))
        for (const exit of [duplicate, orphan]) expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
        expect(yield* repo.findById(sessionId(10))).toEqual(Option.some(makeSession(10, walletA)))
        expect(yield* repo.findById(sessionId(11))).toEqual(Option.none())
      })))

    it.effect("countActive counts the wallet's unrevoked sessions with expiresAt > now", () =>
      run(Effect.gen(function*() {
        const repo = yield* SessionRepo
        yield* repo.insert(makeSession(10, walletA, { expiresAt: 2_000 }))
        yield* repo.insert(makeSession(11, walletA, { expiresAt: 3_000, source: "mcp" }))
        yield* repo.insert(makeSession(12, walletA, { expiresAt: 3_000, revokedAt: 1_100 }))
        yield* repo.insert(makeSession(13, walletA, { expiresAt: 1_500 }))
        yield* repo.insert(makeSession(14, walletB, { expiresAt: 3_000 }))
        expect(yield* repo.countActive(walletA, 1_499)).toBe(3)
        expect(yield* repo.countActive(walletA, 1_500)).toBe(2) // expiresAt == now is expired
        expect(yield* repo.countActive(walletA, 1_999)).toBe(2)
        expect(yield* repo.countActive(walletA, 2_000)).toBe(1)
        expect(yield* repo.countActive(walletA, 3_000)).toBe(0)
        expect(yield* repo.countActive(walletB, 1_000)).toBe(1)
        expect(yield* repo.countActive(walletId(3), 1_000)).toBe(0)
      })))

    it.effect("findActiveMcp finds only an active MCP session of that wallet", () =>
      run(Effect.gen(function*() {
        const repo = yield* SessionRepo
        yield* repo.insert(makeSession(10, walletA, { source: "api", expiresAt: 5_000 }))
        yield* repo.insert(makeSession(11, walletB, { source: "mcp", expiresAt: 5_000 }))
        expect(yield* repo.findActiveMcp(walletA, 1_000)).toEqual(Option.none())

        const mcp = makeSession(12, walletA, { source: "mcp", expiresAt: 2_000 })
        yield* repo.insert(mcp)
        expect(yield* repo.findActiveMcp(walletA, 1_999)).toEqual(Option.some(mcp))
        expect(yield* repo.findActiveMcp(walletA, 2_000)).toEqual(Option.none())

        yield* repo.revoke(mcp.id, 1_100)
        expect(yield* repo.findActiveMcp(walletA, 1_200)).toEqual(Option.none())
        const otherWallets = makeSession(11, walletB, { source: "mcp", expiresAt: 5_000 })
        expect(yield* repo.findActiveMcp(walletB, 1_200)).toEqual(Option.some(otherWallets))
      })))

    it.effect("findActiveMcp picks the newest when there are several", () =>
      run(Effect.gen(function*() {
        const repo = yield* SessionRepo
        yield* repo.insert(makeSession(10, walletA, { source: "mcp", createdAt: 1_100 }))
        yield* repo.insert(makeSession(13, walletA, { source: "mcp", createdAt: 1_000 }))
        yield* repo.insert(makeSession(12, walletA, { source: "mcp", createdAt: 1_100 }))
        const found = yield* repo.findActiveMcp(walletA, 1_500)
        expect(Option.map(found, (s) => s.id)).toEqual(Option.some(sessionId(12)))
      })))

    it.effect("revoke sets revokedAt once: true, then false", () =>
      run(Effect.gen(function*() {
        const repo = yield* SessionRepo
        yield* repo.insert(makeSession(10, walletA))
        expect(yield* repo.revoke(sessionId(10), 1_100)).toBe(true)
        expect(yield* repo.revoke(sessionId(10), 1_200)).toBe(false)
        expect(yield* repo.findById(sessionId(10))).toEqual(Option.some(makeSession(10, walletA, { revokedAt: 1_100 })))
        expect(yield* repo.revoke(sessionId(99), 1_100)).toBe(false)
      })))

    it.effect("revoke also marks an already expired session", () =>
      run(Effect.gen(function*() {
        const repo = yield* SessionRepo
        yield* repo.insert(makeSession(10, walletA, { expiresAt: 1_500 }))
        expect(yield* repo.revoke(sessionId(10), 1_600)).toBe(true)
        expect(Option.map(yield* repo.findById(sessionId(10)), (s) => s.revokedAt)).toEqual(Option.some(1_600))
      })))

    it.effect("reinstate clears a revocation only when revokedAt matches", () =>
      run(Effect.gen(function*() {
        const repo = yield* SessionRepo
        yield* repo.insert(makeSession(10, walletA))
        yield* repo.insert(makeSession(11, walletA))
        yield* repo.revoke(sessionId(10), 1_100)

        yield* repo.reinstate(sessionId(10), 1_101)
        expect(yield* repo.countActive(walletA, 1_200)).toBe(1)
        yield* repo.reinstate(sessionId(11), 1_100) // never revoked: stays as it is
        expect(yield* repo.findById(sessionId(11))).toEqual(Option.some(makeSession(11, walletA)))

        yield* repo.reinstate(sessionId(10), 1_100)
        expect(yield* repo.findById(sessionId(10))).toEqual(Option.some(makeSession(10, walletA)))
        expect(yield* repo.countActive(walletA, 1_200)).toBe(2)
        expect(yield* repo.revoke(sessionId(10), 1_300)).toBe(true)
      })))

    it.effect("revokeAllForWallet revokes exactly the wallet's active sessions and returns their ids", () =>
      run(Effect.gen(function*() {
        const repo = yield* SessionRepo
        yield* repo.insert(makeSession(13, walletA, { source: "mcp" }))
        yield* repo.insert(makeSession(10, walletA))
        yield* repo.insert(makeSession(11, walletA, { revokedAt: 1_050 }))
        yield* repo.insert(makeSession(12, walletA, { expiresAt: 1_100 }))
        yield* repo.insert(makeSession(14, walletB))

        expect(yield* repo.revokeAllForWallet(walletA, 1_100)).toEqual([sessionId(10), sessionId(13)])
        expect(yield* repo.countActive(walletA, 1_100)).toBe(0)
        expect(Option.map(yield* repo.findById(sessionId(10)), (s) => s.revokedAt)).toEqual(Option.some(1_100))
        expect(Option.map(yield* repo.findById(sessionId(11)), (s) => s.revokedAt)).toEqual(Option.some(1_050))
        expect(Option.map(yield* repo.findById(sessionId(12)), (s) => s.revokedAt)).toEqual(Option.some(null))
        expect(yield* repo.countActive(walletB, 1_100)).toBe(1)

        expect(yield* repo.revokeAllForWallet(walletA, 1_200)).toEqual([])
      })))
  })
