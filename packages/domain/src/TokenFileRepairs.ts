import { Context, Effect, Layer } from "effect"
import type { WalletId } from "./Ids.js"

/**
 * The wallets whose token file may disagree with the database because an operation on it did not succeed
 * (a file that could not be written or removed, a rotation's re-signed token that could not be stored), so
 * that the periodic maintenance re-checks exactly those instead of every file. In this process only: a
 * crash loses the set, and the start after a crash checks the whole directory anyway.
 */
export class TokenFileRepairs extends Context.Tag("waiaas/TokenFileRepairs")<TokenFileRepairs, {
  readonly mark: (walletId: WalletId) => Effect.Effect<void>
  /** The wallet's file agrees with the database again. */
  readonly clear: (walletId: WalletId) => Effect.Effect<void>
  /** The wallets marked now, oldest mark first. */
  readonly pending: Effect.Effect<ReadonlyArray<WalletId>>
}>() {
  static readonly layer = Layer.sync(TokenFileRepairs, () => {
    const marked = new Set<WalletId>()
    return {
      mark: (walletId) => Effect.sync(() => void marked.add(walletId)),
      clear: (walletId) => Effect.sync(() => void marked.delete(walletId)),
      pending: Effect.sync(() => [...marked])
    }
  })
}
