import { Effect, Option, Redacted } from "effect"
import {
  RenewalLimitReached,
  RenewalTooEarly,
  SessionAbsoluteLifetimeExceeded,
  SessionNotFound,
  SessionRenewalMismatch,
  SessionRevoked
} from "./Errors.js"
import type { SessionId } from "./Ids.js"
import { Notifier } from "./Notifier.js"
import { Session } from "./Session.js"
import { SessionRepo, tokenFieldsOf } from "./SessionRepo.js"
import { nowSeconds } from "./Time.js"
import { TokenClaims } from "./Token.js"
import { mustFinish, writeTokenFileIfCurrent } from "./TokenFileSync.js"
import { TokenSigner } from "./TokenSigner.js"

export interface RenewedSession {
  readonly id: SessionId
  readonly token: Redacted.Redacted<string>
  readonly expiresAt: number
  readonly renewalCount: number
}

/**
 * `PUT /v1/sessions/{id}/renew`, called with the session's own (valid, unexpired) token. Checks, in order:
 * the path names the token's session; it exists and is not revoked; the presented token is its current one
 * (compare-and-swap: the loser of two concurrent renewals gets SESSION_RENEWAL_MISMATCH); renewals left;
 * absolute lifetime not reached; at least half the TTL elapsed. The new token keeps the TTL, capped at the
 * absolute expiry. An MCP session's token file is rewritten too.
 */
export const renewSession = Effect.fn("Sessions.renew")(function*(
  pathId: SessionId,
  token: Redacted.Redacted<string>,
  claims: TokenClaims
) {
  const sessions = yield* SessionRepo
  const signer = yield* TokenSigner
  const now = yield* nowSeconds
  const notFound = new SessionNotFound({ message: `Session '${pathId}' not found` })
  if (claims.sub !== pathId) return yield* notFound
  const found = yield* sessions.findById(pathId)
  if (Option.isNone(found)) return yield* notFound
  const session = found.value
  if (session.revokedAt !== null) return yield* new SessionRevoked({ message: "Session has been revoked" })
  const presentedHash = signer.fingerprint(token)
  const mismatch = new SessionRenewalMismatch({ message: "This token is no longer the session's current token" })
  if (session.tokenHash !== presentedHash) return yield* mismatch
  if (session.renewalCount >= session.maxRenewals) {
    return yield* new RenewalLimitReached({
      message: `Session has been renewed ${session.renewalCount} times (max: ${session.maxRenewals})`,
      details: { renewalCount: session.renewalCount, maxRenewals: session.maxRenewals }
    })
  }
  if (now >= session.absoluteExpiresAt) {
    return yield* new SessionAbsoluteLifetimeExceeded({
      message: "Session has reached its absolute lifetime",
      details: { absoluteExpiresAt: session.absoluteExpiresAt }
    })
  }
  const renewableAt = session.issuedAt + Math.ceil(session.ttl / 2)
  if (now < renewableAt) {
    return yield* new RenewalTooEarly({
      message: "Session can be renewed once half its TTL has elapsed",
      details: { retryAfter: renewableAt - now, renewableAt }
    })
  }

  const expiresAt = Math.min(now + session.ttl, session.absoluteExpiresAt)
  const renewed = yield* signer.sign(new TokenClaims({ sub: session.id, wlt: session.walletId, iat: now, exp: expiresAt }))
  const fields = {
    tokenHash: signer.fingerprint(renewed),
    expiresAt,
    renewalCount: session.renewalCount + 1,
    lastRenewedAt: now
  }
  if (!(yield* sessions.replaceToken(session.id, presentedHash, fields))) return yield* mismatch

  if (session.source === "mcp") {
    yield* writeTokenFileIfCurrent(new Session({ ...session, ...fields }), renewed).pipe(
      // The old token stays valid if its file could not be replaced: undo the renewal.
      Effect.tapError(() =>
        sessions.replaceToken(session.id, fields.tokenHash, tokenFieldsOf(session))
      )
    )
  }
  yield* (yield* Notifier).notify({ type: "SESSION_RENEWED", walletId: session.walletId, sessionId: session.id, at: now })
  return { id: session.id, token: renewed, expiresAt, renewalCount: fields.renewalCount } satisfies RenewedSession
}, mustFinish)
