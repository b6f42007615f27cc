import { isActive, Session, type SessionId, SessionRepo } from "@waiaas/domain"
import { Effect, Layer, Option, Ref } from "effect"
import { MemoryStore } from "../MemoryStore.js"

const newestFirst = (a: Session, b: Session): number =>
  b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)

/** SessionRepo over MemoryStore, with the same answers, order and constraint defects as the SQLite one. */
export const SessionRepoMemory: Layer.Layer<SessionRepo, never, MemoryStore> = Layer.effect(
  SessionRepo,
  Effect.gen(function*() {
    const { locked, state } = yield* MemoryStore
    const sessions = Effect.map(Ref.get(state), (s) => s.sessions)
    const putAll = (changed: ReadonlyArray<Session>) =>
      Ref.update(state, (s) => {
        const next = new Map(s.sessions)
        for (const session of changed) next.set(session.id, session)
        return { ...s, sessions: next }
      })

    return SessionRepo.of({
      insert: (session) =>
        locked(Effect.gen(function*() {
          const current = yield* Ref.get(state)
          if (current.sessions.has(session.id)) return yield* Effect.dieMessage("UNIQUE constraint failed: sessions.id")
          if (!current.wallets.has(session.walletId)) return yield* Effect.dieMessage("FOREIGN KEY constraint failed")
          yield* putAll([session])
        })),
      findById: (id) => locked(Effect.map(sessions, (ss) => Option.fromNullable(ss.get(id)))),
      countActive: (walletId, now) =>
        locked(Effect.map(sessions, (ss) => {
          let active = 0
          for (const s of ss.values()) if (s.walletId === walletId && isActive(s, now)) active++
          return active
        })),
      findActiveMcp: (walletId, now) =>
        locked(Effect.map(sessions, (ss) =>
          Option.fromNullable(
            [...ss.values()]
              .filter((s) => s.walletId === walletId && s.source === "mcp" && isActive(s, now))
              .sort(newestFirst)[0]
          ))),
      revoke: (id, now) =>
        locked(Effect.gen(function*() {
          const session = (yield* sessions).get(id)
          if (session === undefined || session.revokedAt !== null) return false
          yield* putAll([new Session({ ...session, revokedAt: now })])
          return true
        })),
      reinstate: (id, revokedAt) =>
        locked(Effect.gen(function*() {
          const session = (yield* sessions).get(id)
          if (session !== undefined && session.revokedAt === revokedAt) {
            yield* putAll([new Session({ ...session, revokedAt: null })])
          }
        })),
      revokeAllForWallet: (walletId, now) =>
        locked(Effect.gen(function*() {
          const revoked = [...(yield* sessions).values()]
            .filter((s) => s.walletId === walletId && isActive(s, now))
            .map((s) => new Session({ ...s, revokedAt: now }))
          yield* putAll(revoked)
          return revoked.map((s): SessionId => s.id).sort()
        }))
    })
  })
)
