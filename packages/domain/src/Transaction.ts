import { Context, type Effect } from "effect"

/**
 * Runs repository calls as one unit: all of their writes happen, or none. Keep slow work (hashing,
 * signing, file IO) outside, because a transaction holds the single database connection.
 */
export class Transaction extends Context.Tag("waiaas/Transaction")<Transaction, {
  readonly atomically: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}>() {}
