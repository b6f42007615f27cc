import type { EventRecord, Session, SessionId, Wallet, WalletId } from "@waiaas/domain"
import { Context, Effect, FiberRef, Layer, Ref } from "effect"

/**
 * Everything the in-memory fakes keep, one table per map. The maps are never mutated, only replaced, so a
 * snapshot for rollback is just the current value.
 */
export interface MemoryState {
  readonly wallets: ReadonlyMap<WalletId, Wallet>
  readonly sessions: ReadonlyMap<SessionId, Session>
  readonly keyValue: ReadonlyMap<string, string>
  /** The audit log, in the order recorded (ids increase with it). */
  readonly events: ReadonlyArray<EventRecord>
}

/**
 * The shared state of all memory fakes. `locked` plays SQLite's single connection: every repo call and
 * every transaction holds it, so a write from another fiber cannot land in the middle of a transaction
 * (and be lost by its rollback). It is re-entrant for the fiber holding it, and for fibers forked by it.
 */
export class MemoryStore extends Context.Tag("waiaas/adapters/MemoryStore")<MemoryStore, {
  readonly state: Ref.Ref<MemoryState>
  readonly locked: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}>() {
  /** Fresh, empty state for every build. */
  static readonly layer: Layer.Layer<MemoryStore> = Layer.effect(
    this,
    Effect.gen(function*() {
      const state = yield* Ref.make<MemoryState>({
        wallets: new Map(),
        sessions: new Map(),
        keyValue: new Map(),
        events: []
      })
      const lock = yield* Effect.makeSemaphore(1)
      const holding = FiberRef.unsafeMake(false)
      const locked = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
        Effect.flatMap(FiberRef.get(holding), (held) =>
          held ? effect : lock.withPermits(1)(Effect.locally(effect, holding, true)))
      return { state, locked }
    })
  )
}
