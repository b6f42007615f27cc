import { Context, type Effect, type Option } from "effect"
import type { WalletId } from "./Ids.js"
import type { Wallet } from "./Wallet.js"

/** Storage of wallets. Infrastructure failures are defects here: they are mapped at the adapter edge. */
export class WalletRepo extends Context.Tag("waiaas/WalletRepo")<WalletRepo, {
  readonly insert: (wallet: Wallet) => Effect.Effect<void>
  readonly findById: (id: WalletId) => Effect.Effect<Option.Option<Wallet>>
  /** Newest first. */
  readonly list: Effect.Effect<ReadonlyArray<Wallet>>
  readonly update: (wallet: Wallet) => Effect.Effect<void>
  readonly isServerNameTaken: (serverName: string) => Effect.Effect<boolean>
}>() {}
