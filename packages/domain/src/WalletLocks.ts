import { Context, Effect, Layer } from "effect"
import { shortHash } from "./Slug.js"

/**
 * Serialises the token-file work of one wallet inside this process: each writer re-checks, under the lock,
 * that its session is still the wallet's current one, so the file always ends up holding the newest token.
 */
export class WalletLocks extends Context.Tag("waiaas/WalletLocks")<WalletLocks, {
  readonly withLock: (walletId: string) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}>() {
  /** Striped locks: a fixed set of semaphores, so that nothing grows with the number of wallets. */
  static readonly layer = Layer.sync(WalletLocks, () => {
    const stripes = Array.from({ length: 64 }, () => Effect.unsafeMakeSemaphore(1))
    return {
      withLock: (walletId) => stripes[Number.parseInt(shortHash(walletId), 36) % stripes.length]!.withPermits(1)
    }
  })
}
