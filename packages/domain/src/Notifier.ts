import { Context, type Effect } from "effect"
import type { SessionId, WalletId } from "./Ids.js"

export type DomainEventType =
  | "SESSION_CREATED"
  | "SESSION_REVOKED"
  | "MCP_TOKEN_PROVISIONED"
  | "WALLET_TERMINATED"

/** Something worth telling an operator. Never carries a token or a password. */
export interface DomainEvent {
  readonly type: DomainEventType
  readonly walletId: WalletId
  readonly sessionId?: SessionId
  readonly at: number
}

/** Delivers events. Must never fail or block the request that caused the event. */
export class Notifier extends Context.Tag("waiaas/Notifier")<Notifier, {
  readonly notify: (event: DomainEvent) => Effect.Effect<void>
}>() {}
