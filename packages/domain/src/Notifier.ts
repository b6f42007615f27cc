import { Context, type Effect, Schema } from "effect"
import { SessionId, WalletId } from "./Ids.js"
import { EpochSeconds } from "./Time.js"

export const EventType = Schema.Literal(
  "SESSION_CREATED",
  "SESSION_RENEWED",
  "SESSION_REVOKED",
  "SESSION_EXPIRED",
  "SESSION_REINSTATED",
  "MCP_TOKEN_PROVISIONED",
  "SECRET_ROTATED",
  "MASTER_AUTH_FAILED",
  "WALLET_TERMINATED"
)
export type EventType = typeof EventType.Type

/** Something worth telling an operator. Never carries a token or a password. */
export interface DomainEvent {
  readonly type: EventType
  readonly walletId?: WalletId | undefined
  readonly sessionId?: SessionId | undefined
  readonly at: number
  /** Small, non-secret facts, e.g. `{ count: 3 }`. */
  readonly details?: Readonly<Record<string, string | number | boolean>> | undefined
}

export const EventId = Schema.String.pipe(Schema.brand("EventId")).annotations({ identifier: "EventId" })
export type EventId = typeof EventId.Type

/** A recorded event, as the audit log shows it. */
export const EventRecord = Schema.Struct({
  id: EventId,
  type: EventType,
  walletId: Schema.NullOr(WalletId),
  sessionId: Schema.NullOr(SessionId),
  at: EpochSeconds,
  details: Schema.Record({ key: Schema.String, value: Schema.Union(Schema.String, Schema.Number, Schema.Boolean) })
}).annotations({ identifier: "Event" })
export type EventRecord = typeof EventRecord.Type

/**
 * Delivers events (records them, forwards them). Must never fail or block the request that caused them.
 * Called inside a `Transaction`, the event is recorded in it (one commit with the rows it reports, and gone
 * if they roll back) and forwarded out of the process only after it has committed.
 */
export class Notifier extends Context.Tag("waiaas/Notifier")<Notifier, {
  readonly notify: (event: DomainEvent) => Effect.Effect<void>
}>() {}
