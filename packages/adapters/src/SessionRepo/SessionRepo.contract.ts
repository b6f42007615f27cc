import { describe, expect, it } from "@effect/vitest"
import { Session, type SessionQuery, SessionRepo, WalletRepo } from "@waiaas/domain"
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
          ttl: 777,
          renewalCount: 3,
          maxRenewals: 5,
          lastRenewedAt: 1_200,
          revokedAt: 1_300,
          expiredAt: 1_400
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
    const idsOf = (sessions: ReadonlyArray<Session>) => sessions.map((s) => s.id)
    const ids = (...ns: ReadonlyArray<number>) => ns.map(sessionId)

    /**
     * At now = 2_000: 10 active api (A), 11 active mcp (A), 12 expired exactly now (A), 13 expired before
     * (A, mcp), 14 revoked while active (A), 15 revoked after expiring (A, mcp: revoked wins), 16 active (B),
     * 17 expired (B, mcp). Created in the order of their numbers, 17 newest.
     */
    const insertStatusMix = (repo: SessionRepo["Type"]) =>
      Effect.forEach([
        makeSession(10, walletA, { createdAt: 1_010, expiresAt: 3_000 }),
        makeSession(11, walletA, { createdAt: 1_011, expiresAt: 2_001, source: "mcp" }),
        makeSession(12, walletA, { createdAt: 1_012, expiresAt: 2_000 }),
        makeSession(13, walletA, { createdAt: 1_013, expiresAt: 1_500, source: "mcp" }),
        makeSession(14, walletA, { createdAt: 1_014, expiresAt: 3_000, revokedAt: 1_500 }),
        makeSession(15, walletA, { createdAt: 1_015, expiresAt: 1_200, revokedAt: 1_900, source: "mcp" }),
        makeSession(16, walletB, { createdAt: 1_016, expiresAt: 3_000 }),
        makeSession(17, walletB, { createdAt: 1_017, expiresAt: 1_900, source: "mcp", expiredAt: 1_950 })
      ], (session) => repo.insert(session), { discard: true })

    it.effect("list: newest first by createdAt, ties by id, at most `limit`", () =>
      run(Effect.gen(function*() {
        const repo = yield* SessionRepo
        yield* repo.insert(makeSession(10, walletA, { createdAt: 1_100 }))
        yield* repo.insert(makeSession(11, walletB, { createdAt: 1_300 }))
        yield* repo.insert(makeSession(13, walletA, { createdAt: 1_200 }))
        yield* repo.insert(makeSession(12, walletA, { createdAt: 1_200 }))
        const now = 1_500
        expect(yield* repo.list({ now, limit: 10 })).toEqual([
          makeSession(11, walletB, { createdAt: 1_300 }),
          makeSession(13, walletA, { createdAt: 1_200 }),
          makeSession(12, walletA, { createdAt: 1_200 }),
          makeSession(10, walletA, { createdAt: 1_100 })
        ])
        expect(idsOf(yield* repo.list({ now, limit: 2 }))).toEqual(ids(11, 13))
        expect(idsOf(yield* repo.list({ now, limit: 4 }))).toEqual(ids(11, 13, 12, 10))
        expect(yield* repo.list({ now, limit: 0 })).toEqual([])
        expect(idsOf(yield* repo.list({ walletId: walletA, now, limit: 2 }))).toEqual(ids(13, 12))
        expect(yield* repo.list({ walletId: walletId(3), now, limit: 10 })).toEqual([])
      })))

    it.effect("list filters by status at `now`: ACTIVE, EXPIRED (expiresAt <= now, not revoked), REVOKED", () =>
      run(Effect.gen(function*() {
        const repo = yield* SessionRepo
        yield* insertStatusMix(repo)
        const now = 2_000
        const list = (query: Omit<SessionQuery, "now" | "limit">) =>
          Effect.map(repo.list({ ...query, now, limit: 100 }), idsOf)
        expect(yield* list({})).toEqual(ids(17, 16, 15, 14, 13, 12, 11, 10))
        expect(yield* list({ status: "ACTIVE" })).toEqual(ids(16, 11, 10))
        expect(yield* list({ status: "EXPIRED" })).toEqual(ids(17, 13, 12))
        expect(yield* list({ status: "REVOKED" })).toEqual(ids(15, 14))
        expect(yield* list({ walletId: walletA, status: "ACTIVE" })).toEqual(ids(11, 10))
        expect(yield* list({ walletId: walletA, status: "EXPIRED" })).toEqual(ids(13, 12))
        expect(yield* list({ walletId: walletB, status: "REVOKED" })).toEqual([])
        // A second later, 11 has expired too.
        expect(idsOf(yield* repo.list({ status: "ACTIVE", now: 2_001, limit: 100 }))).toEqual(ids(16, 10))
        expect(idsOf(yield* repo.list({ status: "EXPIRED", now: 2_001, limit: 100 }))).toEqual(ids(17, 13, 12, 11))
      })))

    it.effect("list filters by source, alone and with wallet, status and limit", () =>
      run(Effect.gen(function*() {
        const repo = yield* SessionRepo
        yield* insertStatusMix(repo)
        const now = 2_000
        const list = (query: Omit<SessionQuery, "now">) => Effect.map(repo.list({ ...query, now }), idsOf)
        expect(yield* list({ source: "mcp", limit: 100 })).toEqual(ids(17, 15, 13, 11))
        expect(yield* list({ source: "api", limit: 100 })).toEqual(ids(16, 14, 12, 10))
        expect(yield* list({ walletId: walletA, source: "mcp", limit: 1 })).toEqual(ids(15))
        expect(yield* list({ walletId: walletA, source: "mcp", status: "EXPIRED", limit: 100 })).toEqual(ids(13))
        expect(yield* list({ source: "api", status: "ACTIVE", limit: 1 })).toEqual(ids(16))
        expect(yield* list({ walletId: walletB, source: "api", status: "EXPIRED", limit: 100 })).toEqual([])
      })))

    it.effect("listActiveMcp: every wallet's active MCP session, oldest first; no api, expired or revoked one", () =>
      run(Effect.gen(function*() {
        const repo = yield* SessionRepo
        yield* insertStatusMix(repo)
        yield* repo.insert(makeSession(20, walletB, { createdAt: 1_005, expiresAt: 2_500, source: "mcp" }))
        yield* repo.insert(makeSession(19, walletA, { createdAt: 1_011, expiresAt: 2_500, source: "mcp" }))
        expect(idsOf(yield* repo.listActiveMcp(2_000))).toEqual(ids(20, 11, 19))
        expect(idsOf(yield* repo.listActiveMcp(2_001))).toEqual(ids(20, 19))
        expect(yield* repo.listActiveMcp(2_500)).toEqual([])
      })))

    it.effect("latestMcpPerWallet: each wallet's newest MCP session, whatever its status, newest first", () =>
      run(Effect.gen(function*() {
        const repo = yield* SessionRepo
        expect(yield* repo.latestMcpPerWallet).toEqual([])
        yield* insertStatusMix(repo)
        // A: 15 (revoked and expired) is newer than the active 11. B: only 17 (expired and swept).
        expect(yield* repo.latestMcpPerWallet).toEqual([
          makeSession(17, walletB, { createdAt: 1_017, expiresAt: 1_900, source: "mcp", expiredAt: 1_950 }),
          makeSession(15, walletA, { createdAt: 1_015, expiresAt: 1_200, revokedAt: 1_900, source: "mcp" })
        ])
        // Same createdAt: the larger id wins. A newer api session changes nothing.
        yield* repo.insert(makeSession(30, walletA, { createdAt: 1_015, source: "mcp" }))
        yield* repo.insert(makeSession(31, walletB, { createdAt: 1_100, source: "api" }))
        expect(idsOf(yield* repo.latestMcpPerWallet)).toEqual(ids(17, 30))
      })))

    it.effect("latestMcpPerWallet leaves out wallets with no MCP session", () =>
      run(Effect.gen(function*() {
        const repo = yield* SessionRepo
        yield* repo.insert(makeSession(10, walletA, { source: "api" }))
        yield* repo.insert(makeSession(11, walletB, { source: "mcp" }))
        expect(idsOf(yield* repo.latestMcpPerWallet)).toEqual(ids(11))
      })))

    it.effect("replaceToken sets the token fields when the hash still matches: true, and nothing else changes", () =>
      run(Effect.gen(function*() {
        const repo = yield* SessionRepo
        const session = makeSession(10, walletA, { source: "mcp", ttl: 600, renewalCount: 2, lastRenewedAt: 1_100 })
        yield* repo.insert(session)
        const fields = { tokenHash: "hash-new", expiresAt: 2_400, renewalCount: 3, lastRenewedAt: 1_800 }
        expect(yield* repo.replaceToken(session.id, "hash-10", fields)).toBe(true)
        expect(yield* repo.findById(session.id)).toEqual(Option.some(new Session({ ...session, ...fields })))
        // Back to null is a value too (undoing a renewal).
        const undone = { tokenHash: "hash-10", expiresAt: 2_000, renewalCount: 2, lastRenewedAt: null }
        expect(yield* repo.replaceToken(session.id, "hash-new", undone)).toBe(true)
        expect(yield* repo.findById(session.id)).toEqual(
          Option.some(new Session({ ...session, ...undone }))
        )
      })))

    it.effect("replaceToken is a compare-and-set: a stale or wrong hash, or an unknown id, changes nothing: false", () =>
      run(Effect.gen(function*() {
        const repo = yield* SessionRepo
        yield* repo.insert(makeSession(10, walletA))
        yield* repo.insert(makeSession(11, walletA, { tokenHash: "hash-10-twin" }))
        const winner = { tokenHash: "hash-winner", expiresAt: 2_500, renewalCount: 1, lastRenewedAt: 1_500 }
        const loser = { tokenHash: "hash-loser", expiresAt: 2_600, renewalCount: 1, lastRenewedAt: 1_600 }
        // Two renewals that both read hash-10: the first wins, the second finds the hash gone.
        expect(yield* repo.replaceToken(sessionId(10), "hash-10", winner)).toBe(true)
        expect(yield* repo.replaceToken(sessionId(10), "hash-10", loser)).toBe(false)
        expect(yield* repo.replaceToken(sessionId(10), "hash-11", loser)).toBe(false)
        expect(yield* repo.replaceToken(sessionId(99), "hash-10", loser)).toBe(false)
        expect(Option.map(yield* repo.findById(sessionId(10)), (s) => s.tokenHash)).toEqual(Option.some("hash-winner"))
        expect(yield* repo.findById(sessionId(11))).toEqual(
          Option.some(makeSession(11, walletA, { tokenHash: "hash-10-twin" }))
        )
      })))

    it.effect("revokeAll revokes every active session and returns them as they were before, by id", () =>
      run(Effect.gen(function*() {
        const repo = yield* SessionRepo
        yield* insertStatusMix(repo)
        const before = yield* Effect.forEach(ids(10, 11, 16), (id) => Effect.map(repo.findById(id), Option.getOrThrow))
        expect(yield* repo.revokeAll(2_000)).toEqual(before)
        for (const id of ids(10, 11, 16)) {
          expect(Option.map(yield* repo.findById(id), (s) => s.revokedAt)).toEqual(Option.some(2_000))
        }
        // Already revoked keep their time; expired ones stay unrevoked.
        expect(Option.map(yield* repo.findById(sessionId(14)), (s) => s.revokedAt)).toEqual(Option.some(1_500))
        expect(Option.map(yield* repo.findById(sessionId(12)), (s) => s.revokedAt)).toEqual(Option.some(null))
        expect(yield* repo.countActive(walletA, 2_000)).toBe(0)
        expect(yield* repo.revokeAll(2_000)).toEqual([])
      })))

    it.effect("findDueForExpiry: expired, unrevoked, not yet marked; soonest expiry first, ties by id; at most limit", () =>
      run(Effect.gen(function*() {
        const repo = yield* SessionRepo
        yield* insertStatusMix(repo)
        yield* repo.insert(makeSession(9, walletB, { createdAt: 1_020, expiresAt: 1_500 }))
        // Due at 2_000: 13 and 9 (expired at 1_500), 12 (expiresAt == now). Not 15 (revoked), 17 (marked),
        // 10, 11, 14, 16 (not expired, or revoked).
        expect(yield* repo.findDueForExpiry(2_000, 100)).toEqual([
          makeSession(9, walletB, { createdAt: 1_020, expiresAt: 1_500 }),
          makeSession(13, walletA, { createdAt: 1_013, expiresAt: 1_500, source: "mcp" }),
          makeSession(12, walletA, { createdAt: 1_012, expiresAt: 2_000 })
        ])
        expect(idsOf(yield* repo.findDueForExpiry(2_000, 2))).toEqual(ids(9, 13))
        expect(yield* repo.findDueForExpiry(2_000, 0)).toEqual([])
        expect(idsOf(yield* repo.findDueForExpiry(1_999, 100))).toEqual(ids(9, 13))
        expect(idsOf(yield* repo.findDueForExpiry(2_001, 100))).toEqual(ids(9, 13, 12, 11))
        expect(yield* repo.findDueForExpiry(1_499, 100)).toEqual([])
      })))

    it.effect("markExpired marks the ids not yet marked, once; unknown ids are ignored; the sweep moves on", () =>
      run(Effect.gen(function*() {
        const repo = yield* SessionRepo
        yield* insertStatusMix(repo)
        yield* repo.markExpired([], 2_000)
        yield* repo.markExpired([sessionId(13), sessionId(13), sessionId(99)], 2_000)
        expect(idsOf(yield* repo.findDueForExpiry(2_000, 100))).toEqual(ids(12))
        yield* repo.markExpired([sessionId(12), sessionId(13), sessionId(17)], 2_100)
        const expiredAt = (n: number) => Effect.map(repo.findById(sessionId(n)), Option.map((s) => s.expiredAt))
        expect(yield* expiredAt(13)).toEqual(Option.some(2_000))
        expect(yield* expiredAt(12)).toEqual(Option.some(2_100))
        expect(yield* expiredAt(17)).toEqual(Option.some(1_950))
        expect(idsOf(yield* repo.findDueForExpiry(2_100, 100))).toEqual(ids(11)) // 11 expired meanwhile
        // Marking changes nothing else: status is still a matter of revokedAt and expiresAt.
        expect(idsOf(yield* repo.list({ status: "EXPIRED", now: 2_100, limit: 100 }))).toEqual(ids(17, 13, 12, 11))
      })))

    it.effect("markExpired takes any number of ids at once", () =>
      run(Effect.gen(function*() {
        const repo = yield* SessionRepo
        yield* repo.insert(makeSession(10, walletA))
        yield* repo.insert(makeSession(11, walletB))
        const many = [sessionId(11), ...Array.from({ length: 1_200 }, (_, i) => sessionId(1_000 + i)), sessionId(10)]
        yield* repo.markExpired(many, 2_000)
        expect(yield* repo.findDueForExpiry(2_000, 100)).toEqual([])
        for (const n of [10, 11]) {
          expect(Option.map(yield* repo.findById(sessionId(n)), (s) => s.expiredAt)).toEqual(Option.some(2_000))
        }
      })))
  })
