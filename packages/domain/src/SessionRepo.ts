import { Context, type Effect, type Option } from "effect"
import type { SessionId, WalletId } from "./Ids.js"
import type { Session, SessionSource, SessionStatus } from "./Session.js"

/** The fields a compare-and-set may change: everything that changes when a token is replaced. */
export interface TokenFields {
  readonly tokenHash: string
  readonly expiresAt: number
  readonly renewalCount: number
  readonly lastRenewedAt: number | null
}

export const tokenFieldsOf = (session: Session): TokenFields => ({
  tokenHash: session.tokenHash,
  expiresAt: session.expiresAt,
  renewalCount: session.renewalCount,
  lastRenewedAt: session.lastRenewedAt
})

export interface SessionQuery {
  readonly walletId?: WalletId | undefined
  readonly status?: SessionStatus | undefined
  readonly source?: SessionSource | undefined
  readonly now: number
  /** Newest first, at most this many. */
  readonly limit: number
}

/**
 * Storage of sessions. "Active" means not revoked and `expiresAt > now`; `now` is passed in so that
 * storage never reads a clock of its own.
 */
export class SessionRepo extends Context.Tag("waiaas/SessionRepo")<SessionRepo, {
  readonly insert: (session: Session) => Effect.Effect<void>
  readonly findById: (id: SessionId) => Effect.Effect<Option.Option<Session>>
  readonly list: (query: SessionQuery) => Effect.Effect<ReadonlyArray<Session>>
  readonly countActive: (walletId: WalletId, now: number) => Effect.Effect<number>
  /** The wallet's active MCP session, if any (there is at most one). */
  readonly findActiveMcp: (walletId: WalletId, now: number) => Effect.Effect<Option.Option<Session>>
  /** Every active MCP session, oldest first. */
  readonly listActiveMcp: (now: number) => Effect.Effect<ReadonlyArray<Session>>
  /** Each wallet's newest MCP session, whatever its status. */
  readonly latestMcpPerWallet: Effect.Effect<ReadonlyArray<Session>>
  /**
   * Replaces the token fields only if the stored hash is still `expectedHash` (compare-and-set);
   * true when it did. The loser of two concurrent renewals gets false.
   */
  readonly replaceToken: (id: SessionId, expectedHash: string, fields: TokenFields) => Effect.Effect<boolean>
  /** Sets `revokedAt` unless already set; true when this call revoked it. */
  readonly revoke: (id: SessionId, now: number) => Effect.Effect<boolean>
  /** Clears a revocation made at `revokedAt` by an operation that is being undone. */
  readonly reinstate: (id: SessionId, revokedAt: number) => Effect.Effect<void>
  /** Revokes every active session of the wallet; returns the ids revoked. */
  readonly revokeAllForWallet: (walletId: WalletId, now: number) => Effect.Effect<ReadonlyArray<SessionId>>
  /** Revokes every active session; returns the sessions revoked (as they were before). */
  readonly revokeAll: (now: number) => Effect.Effect<ReadonlyArray<Session>>
  /** Sessions past their expiry that the sweeper has not handled yet (not revoked, `expiredAt` null), oldest first. */
  readonly findDueForExpiry: (now: number, limit: number) => Effect.Effect<ReadonlyArray<Session>>
  /** Sets `expiredAt` on those of the ids not yet marked. */
  readonly markExpired: (ids: ReadonlyArray<SessionId>, now: number) => Effect.Effect<void>
}>() {}
