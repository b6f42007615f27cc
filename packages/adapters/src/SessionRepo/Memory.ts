import { isActive, Session, type SessionId, SessionRepo, type SessionStatus, sessionStatus } from "@waiaas/domain"
import { Effect, Layer, Option, Ref } from "effect"
import { MemoryStore } from "../MemoryStore.js"

const compareIds = (a: Session, b: Session): number => a.id < b.id ? -1 : a.id > b.id ? 1 : 0

const newestFirst = (a: Session, b: Session): number => b.createdAt - a.createdAt || compareIds(b, a)

const oldestFirst = (a: Session, b: Session): number => a.createdAt - b.createdAt || compareIds(a, b)

const soonestExpiryFirst = (a: Session, b: Session): number => a.expiresAt - b.expiresAt || compareIds(a, b)

/** Like the SQLite adapter's LIMIT: never negative (SQLite would read that as "no limit"), whole rows. */
const rowLimit = (limit: number): number => Math.max(0, Math.trunc(limit))

const hasStatus = (session: Session, status: SessionStatus | undefined, now: number): boolean =>
  status === undefined || sessionStatus(session, now) === status

/** SessionRepo over MemoryStore, with the same answers, order and constraint defects as the SQLite one. */
export const SessionRepoMemory: Layer.Layer<SessionRepo, never, MemoryStore> = Layer.effect(
  SessionRepo,
  Effect.gen(function*() {
    const { locked, state } = yield* MemoryStore
    const sessions = Effect.map(Ref.get(state), (s) => [...s.sessions.values()])
    const putAll = (changed: ReadonlyArray<Session>) =>
      Ref.update(state, (s) => {
        const next = new Map(s.sessions)
        for (const session of changed) next.set(session.id, session)
        return { ...s, sessions: next }
      })
    const get = (id: SessionId) => Effect.map(Ref.get(state), (s) => s.sessions.get(id))

    return SessionRepo.of({
      insert: (session) =>
        locked(Effect.gen(function*() {
          const current = yield* Ref.get(state)
          if (current.sessions.has(session.id)) return yield* Effect.dieMessage("UNIQUE constraint failed: sessions.id")
          if (!current.wallets.has(session.walletId)) return yield* Effect.dieMessage("FOREIGN KEY constraint failed")
          yield* putAll([session])
        })),
      findById: (id) => locked(Effect.map(get(id), Option.fromNullable)),
      list: (query) =>
        locked(Effect.map(sessions, (ss) =>
          ss
            .filter((s) =>
              (query.walletId === undefined || s.walletId === query.walletId) &&
              (query.source === undefined || s.source === query.source) &&
              hasStatus(s, query.status, query.now)
            )
            .sort(newestFirst)
            .slice(0, rowLimit(query.limit)))),
      countActive: (walletId, now) =>
        locked(Effect.map(sessions, (ss) => ss.filter((s) => s.walletId === walletId && isActive(s, now)).length)),
      findActiveMcp: (walletId, now) =>
        locked(Effect.map(sessions, (ss) =>
          Option.fromNullable(
            ss.filter((s) => s.walletId === walletId && s.source === "mcp" && isActive(s, now)).sort(newestFirst)[0]
          ))),
      listActiveMcp: (now) =>
        locked(Effect.map(sessions, (ss) => ss.filter((s) => s.source === "mcp" && isActive(s, now)).sort(oldestFirst))),
      latestMcpPerWallet: locked(Effect.map(sessions, (ss) => {
        const latest = new Map<string, Session>()
        for (const s of ss.filter((s) => s.source === "mcp").sort(newestFirst)) {
          if (!latest.has(s.walletId)) latest.set(s.walletId, s)
        }
        return [...latest.values()].sort(newestFirst)
      })),
      replaceToken: (id, expectedHash, fields) =>
        locked(Effect.gen(function*() {
          const session = yield* get(id)
          if (session === undefined || session.tokenHash !== expectedHash) return false
          yield* putAll([
            new Session({
              ...session,
              tokenHash: fields.tokenHash,
              expiresAt: fields.expiresAt,
              renewalCount: fields.renewalCount,
              lastRenewedAt: fields.lastRenewedAt
            })
          ])
          return true
        })),
      revoke: (id, now) =>
        locked(Effect.gen(function*() {
          const session = yield* get(id)
          if (session === undefined || session.revokedAt !== null) return false
          yield* putAll([new Session({ ...session, revokedAt: now })])
          return true
        })),
      reinstate: (id, revokedAt) =>
        locked(Effect.gen(function*() {
          const session = yield* get(id)
          if (session !== undefined && session.revokedAt === revokedAt) {
            yield* putAll([new Session({ ...session, revokedAt: null })])
          }
        })),
      revokeAllForWallet: (walletId, now) =>
        locked(Effect.gen(function*() {
          const revoked = (yield* sessions).filter((s) => s.walletId === walletId && isActive(s, now))
          yield* putAll(revoked.map((s) => new Session({ ...s, revokedAt: now })))
          return revoked.map((s): SessionId => s.id).sort()
        })),
      revokeAll: (now) =>
        locked(Effect.gen(function*() {
          const revoked = (yield* sessions).filter((s) => isActive(s, now)).sort(compareIds)
          yield* putAll(revoked.map((s) => new Session({ ...s, revokedAt: now })))
          return revoked
        })),
      findDueForExpiry: (now, limit) =>
        locked(Effect.map(sessions, (ss) =>
          ss
            .filter((s) => s.revokedAt === null && s.expiredAt === null && s.expiresAt <= now)
            .sort(soonestExpiryFirst)
            .slice(0, rowLimit(limit)))),
      markExpired: (ids, now) =>
        locked(Effect.gen(function*() {
          const unmarked: Array<Session> = []
          for (const id of new Set(ids)) {
            const session = yield* get(id)
            if (session !== undefined && session.expiredAt === null) unmarked.push(session)
          }
          yield* putAll(unmarked.map((s) => new Session({ ...s, expiredAt: now })))
        }))
    })
  })
)
