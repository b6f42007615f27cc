import { Effect, Option, Redacted } from "effect"
import { DaemonSettings } from "./DaemonSettings.js"
import { InvalidToken, SessionLimitExceeded, SessionRevoked, TokenExpired } from "./Errors.js"
import { IdGenerator } from "./IdGenerator.js"
import { SessionId, type WalletId } from "./Ids.js"
import { Notifier } from "./Notifier.js"
import { Session, type SessionSource } from "./Session.js"
import { SessionRepo } from "./SessionRepo.js"
import { nowSeconds } from "./Time.js"
import { looksLikeToken, TokenClaims } from "./Token.js"
import { TokenSigner } from "./TokenSigner.js"
import { Transaction } from "./Transaction.js"
import type { Wallet } from "./Wallet.js"
import { WalletRepo } from "./WalletRepo.js"
import { getActiveWallet } from "./Wallets.js"

export interface CreateSessionInput {
  readonly walletId: WalletId
  readonly expiresIn?: number | undefined
  readonly source: SessionSource
}

export interface CreatedSession {
  readonly wallet: Wallet
  readonly session: Session
  readonly token: Redacted.Redacted<string>
  /** The MCP session this one replaced (revoked in the same transaction), if any. */
  readonly replaced: Option.Option<Session>
}

/**
 * The one session-creation program behind `POST /v1/sessions` and `POST /v1/mcp/tokens`.
 *
 * The token is signed before the transaction (signing is slow next to a row write). Inside it: the wallet
 * must exist and be active; an MCP session first revokes the wallet's previous MCP session, so that
 * re-provisioning frees its own slot; then the active count must be under the limit; then the row is
 * written and the events recorded (SESSION_REVOKED for the replaced one, SESSION_CREATED), in the same
 * commit. Any failure rolls all of it back, events included. Untraced: on the path of every provisioning.
 */
export const createSession = Effect.fnUntraced(function*(input: CreateSessionInput) {
  const settings = yield* DaemonSettings
  const signer = yield* TokenSigner
  const sessions = yield* SessionRepo
  const transaction = yield* Transaction
  const now = yield* nowSeconds

  const id = SessionId.make(yield* (yield* IdGenerator).next)
  const absoluteExpiresAt = now + settings.sessionAbsoluteLifetime
  const ttl = input.expiresIn ?? settings.sessionTtl
  const expiresAt = Math.min(now + ttl, absoluteExpiresAt)
  // Built unchecked (`true`): every field is already valid — the id from SessionId.make, the wallet id and
  // expiresIn decoded at the edge, the rest whole seconds from Clock and the settings — and re-validating
  // both classes cost ~80 µs of a provisioning (STRICT columns still refuse a non-integer time).
  const token = yield* signer.sign(new TokenClaims({ sub: id, wlt: input.walletId, iat: now, exp: expiresAt }, true))
  const session = new Session({
    id,
    walletId: input.walletId,
    tokenHash: signer.fingerprint(token),
    source: input.source,
    ttl,
    expiresAt,
    absoluteExpiresAt,
    renewalCount: 0,
    maxRenewals: settings.maxRenewals,
    lastRenewedAt: null,
    revokedAt: null,
    expiredAt: null,
    createdAt: now
  }, true)

  const notifier = yield* Notifier

  const { replaced, wallet } = yield* transaction.atomically(Effect.gen(function*() {
    const wallet = yield* getActiveWallet(input.walletId)
    const replaced = input.source === "mcp" ? yield* revokeActiveMcp(input.walletId, now) : Option.none<Session>()
    const active = yield* sessions.countActive(input.walletId, now)
    if (active >= settings.maxSessionsPerWallet) {
      return yield* new SessionLimitExceeded({
        message: `Wallet has ${active} active sessions (max: ${settings.maxSessionsPerWallet})`,
        details: { active, max: settings.maxSessionsPerWallet }
      })
    }
    yield* sessions.insert(session)
    // Recorded in this transaction: one commit instead of one per event (the webhook still waits for it).
    if (Option.isSome(replaced)) {
      const old = replaced.value
      yield* notifier.notify({ type: "SESSION_REVOKED", walletId: old.walletId, sessionId: old.id, at: now })
    }
    yield* notifier.notify({ type: "SESSION_CREATED", walletId: session.walletId, sessionId: id, at: now })
    return { replaced, wallet }
  }))

  return { wallet, session, token, replaced } satisfies CreatedSession
})

const revokeActiveMcp = (walletId: WalletId, now: number) =>
  Effect.gen(function*() {
    const sessions = yield* SessionRepo
    const previous = yield* sessions.findActiveMcp(walletId, now)
    if (Option.isSome(previous)) yield* sessions.revoke(previous.value.id, now)
    return previous
  })

/**
 * Undoes a createSession whose follow-up failed: the new session is revoked, the one it replaced restored —
 * unless the new one was revoked meanwhile (a revocation, revoke-all or termination came in between): that
 * decision stands, for the replaced session too. `reason` goes into the events that say so: createSession
 * already recorded SESSION_CREATED and the replaced session's SESSION_REVOKED, and the audit log must not
 * leave that session looking revoked once it works again.
 */
export const undoCreateSession = Effect.fn("Sessions.undoCreate")(function*(created: CreatedSession, reason: string) {
  const sessions = yield* SessionRepo
  const notifier = yield* Notifier
  const now = yield* nowSeconds
  yield* (yield* Transaction).atomically(Effect.gen(function*() {
    if (!(yield* sessions.revoke(created.session.id, now))) return
    const { session } = created
    yield* notifier.notify({ type: "SESSION_REVOKED", walletId: session.walletId, sessionId: session.id, at: now, details: { reason } })
    if (Option.isNone(created.replaced)) return
    const replaced = created.replaced.value
    yield* sessions.reinstate(replaced.id, session.createdAt)
    yield* notifier.notify({ type: "SESSION_REINSTATED", walletId: replaced.walletId, sessionId: replaced.id, at: now, details: { reason } })
  }))
})

export interface AuthenticatedSession {
  readonly session: Session
  readonly claims: TokenClaims
}

/**
 * sessionAuth: the signature and expiry (TokenSigner), then the row: it must exist, not be revoked, not be
 * expired, and hold this very token's hash, so that a replaced token stops working at once.
 *
 * Built once with its services (the auth middleware runs it on every agent request, where providing them
 * each time costs more than the check), and untraced for the same reason.
 */
export const makeSessionAuthenticator = Effect.gen(function*() {
  const signer = yield* TokenSigner
  const sessions = yield* SessionRepo
  return Effect.fnUntraced(function*(token: Redacted.Redacted<string>) {
    if (!looksLikeToken(Redacted.value(token))) {
      return yield* new InvalidToken({ message: "Missing or malformed session token" })
    }
    const claims = yield* signer.verify(token)
    const found = yield* sessions.findById(claims.sub)
    if (Option.isNone(found) || found.value.walletId !== claims.wlt) {
      return yield* new InvalidToken({ message: "Session not found" })
    }
    const session = found.value
    if (session.revokedAt !== null) {
      return yield* new SessionRevoked({ message: "Session has been revoked" })
    }
    if (session.tokenHash !== signer.fingerprint(token)) {
      return yield* new InvalidToken({ message: "Token has been superseded by a newer one" })
    }
    if (session.expiresAt <= (yield* nowSeconds)) {
      return yield* new TokenExpired({ message: "Session has expired" })
    }
    return { session, claims } satisfies AuthenticatedSession
  })
})

/** sessionAuth for one token, with the services from the context (see makeSessionAuthenticator). */
export const authenticateSession = (token: Redacted.Redacted<string>) =>
  Effect.flatMap(makeSessionAuthenticator, (authenticate) => authenticate(token))

/** What `GET /v1/session` answers: the caller's own session and wallet. Untraced: every agent request. */
export const describeSession = Effect.fnUntraced(function*(auth: AuthenticatedSession) {
  const wallet = yield* (yield* WalletRepo).findById(auth.session.walletId)
  return {
    sessionId: auth.session.id,
    walletId: auth.session.walletId,
    walletName: Option.match(wallet, { onNone: () => "", onSome: (w) => w.name }),
    expiresAt: auth.session.expiresAt,
    source: auth.session.source,
    absoluteExpiresAt: auth.session.absoluteExpiresAt,
    renewalCount: auth.session.renewalCount,
    maxRenewals: auth.session.maxRenewals
  }
})
