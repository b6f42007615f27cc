import { Context, type Effect, type Option } from "effect"
import type { SessionId, WalletId } from "./Ids.js"
import type { Session } from "./Session.js"

/**
 * Storage of sessions. "Active" means not revoked and `expiresAt > now`; `now` is passed in so that
 * storage never reads a clock of its own.
 */
export class SessionRepo extends Context.Tag("waiaas/SessionRepo")<SessionRepo, {
  readonly insert: (session: Session) => Effect.Effect<void>
  readonly findById: (id: SessionId) => Effect.Effect<Option.Option<Session>>
  readonly countActive: (walletId: WalletId, now: number) => Effect.Effect<number>
  /** The wallet's active MCP session, if any (there is at most one). */
  readonly findActiveMcp: (walletId: WalletId, now: number) => Effect.Effect<Option.Option<Session>>
  /** Sets `revokedAt` unless already set; true when this call revoked it. */
  readonly revoke: (id: SessionId, now: number) => Effect.Effect<boolean>
  /** Clears a revocation made at `revokedAt` by an operation that is being undone. */
  readonly reinstate: (id: SessionId, revokedAt: number) => Effect.Effect<void>
  /** Revokes every active session of the wallet; returns the ids revoked. */
  readonly revokeAllForWallet: (walletId: WalletId, now: number) => Effect.Effect<ReadonlyArray<SessionId>>
}>() {}
