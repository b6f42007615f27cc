import { Effect, Option } from "effect"
import { SessionNotFound } from "./Errors.js"
import type { SessionId, WalletId } from "./Ids.js"
import { Notifier } from "./Notifier.js"
import { type SessionStatus, toSessionView } from "./Session.js"
import { SessionRepo } from "./SessionRepo.js"
import { nowSeconds } from "./Time.js"
import { mustFinish, reconcileTokenFiles, removeTokenFileOf } from "./TokenFileSync.js"

export interface SessionListQuery {
  readonly walletId?: WalletId | undefined
  readonly status?: SessionStatus | undefined
  readonly limit?: number | undefined
}

export const DEFAULT_LIST_LIMIT = 100

/** `GET /v1/sessions`: newest first, optionally one wallet's and one status. */
export const listSessions = Effect.fn("Sessions.list")(function*(query: SessionListQuery) {
  const now = yield* nowSeconds
  const sessions = yield* (yield* SessionRepo).list({
    walletId: query.walletId,
    status: query.status,
    now,
    limit: query.limit ?? DEFAULT_LIST_LIMIT
  })
  return sessions.map((session) => toSessionView(session, now))
})

/**
 * `DELETE /v1/sessions/{id}`: idempotent. An MCP session's token file is removed if it still holds this
 * session's token (a newer provisioning's file is left alone).
 */
export const revokeSession = Effect.fn("Sessions.revoke")(function*(id: SessionId) {
  const sessions = yield* SessionRepo
  const now = yield* nowSeconds
  const found = yield* sessions.findById(id)
  if (Option.isNone(found)) return yield* new SessionNotFound({ message: `Session '${id}' not found` })
  const revokedNow = yield* sessions.revoke(id, now)
  if (found.value.source === "mcp") yield* removeTokenFileOf(found.value)
  if (revokedNow) {
    yield* (yield* Notifier).notify({ type: "SESSION_REVOKED", walletId: found.value.walletId, sessionId: id, at: now })
  }
  const revoked = Option.getOrThrow(yield* sessions.findById(id))
  return { session: toSessionView(revoked, now), alreadyRevoked: !revokedNow }
}, mustFinish)

/** `POST /v1/admin/revoke-all`: every active session revoked, then every token file without one removed. */
export const revokeAllSessions = Effect.fn("Sessions.revokeAll")(function*() {
  const now = yield* nowSeconds
  const revoked = yield* (yield* SessionRepo).revokeAll(now)
  const notifier = yield* Notifier
  yield* Effect.forEach(
    revoked,
    (session) => notifier.notify({ type: "SESSION_REVOKED", walletId: session.walletId, sessionId: session.id, at: now }),
    { discard: true }
  )
  const removedFiles = yield* reconcileTokenFiles()
  return { revoked: revoked.length, removedFiles }
}, mustFinish)
