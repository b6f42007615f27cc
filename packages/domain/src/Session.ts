import { Schema, Struct } from "effect"
import { SessionId, WalletId } from "./Ids.js"
import { EpochSeconds } from "./Time.js"

/** Who asked for the session: a plain API client, or MCP provisioning (one per wallet). */
export const SessionSource = Schema.Literal("api", "mcp")
export type SessionSource = typeof SessionSource.Type

export const SessionStatus = Schema.Literal("ACTIVE", "EXPIRED", "REVOKED")
export type SessionStatus = typeof SessionStatus.Type

export class Session extends Schema.Class<Session>("Session")({
  id: SessionId,
  walletId: WalletId,
  /** sha256 (hex) of the full token; the token itself is never stored. */
  tokenHash: Schema.String,
  source: SessionSource,
  /** Lifetime of each token of this session, in seconds: a renewal keeps it (capped at the absolute expiry). */
  ttl: Schema.Int,
  expiresAt: EpochSeconds,
  absoluteExpiresAt: EpochSeconds,
  renewalCount: Schema.Int,
  maxRenewals: Schema.Int,
  lastRenewedAt: Schema.NullOr(EpochSeconds),
  revokedAt: Schema.NullOr(EpochSeconds),
  /** When the expiry sweeper handled it (file removed, event recorded); null until then. */
  expiredAt: Schema.NullOr(EpochSeconds),
  createdAt: EpochSeconds
}) {
  /** When the current token was issued: the last renewal, or creation. */
  get issuedAt(): number {
    return this.lastRenewedAt ?? this.createdAt
  }
}

export const sessionStatus = (session: Session, now: number): SessionStatus =>
  session.revokedAt !== null ? "REVOKED" : session.expiresAt <= now ? "EXPIRED" : "ACTIVE"

/** The public view of a session: its fields but the token hash and the sweeper's mark, plus its status. */
export const SessionView = Schema.Struct({
  ...Struct.omit(Session.fields, "tokenHash", "expiredAt"),
  status: SessionStatus
}).annotations({ identifier: "SessionView" })
export type SessionView = typeof SessionView.Type

export const toSessionView = (session: Session, now: number): SessionView => ({
  ...Struct.omit(session, "tokenHash", "expiredAt"),
  status: sessionStatus(session, now)
})

export const isActive = (session: Session, now: number): boolean => sessionStatus(session, now) === "ACTIVE"

export const SESSION_TTL_MIN = 300
export const SESSION_TTL_MAX = 604800

/** A requested session lifetime in seconds: an integer from 5 minutes to 7 days. */
export const ExpiresIn = Schema.Int.pipe(
  Schema.between(SESSION_TTL_MIN, SESSION_TTL_MAX, {
    message: () => `expiresIn must be an integer number of seconds from ${SESSION_TTL_MIN} to ${SESSION_TTL_MAX}`
  })
).annotations({ identifier: "ExpiresIn" })
