import { Transaction } from "@waiaas/domain"
import { Effect, Exit, Layer, Ref } from "effect"
import { MemoryStore } from "../MemoryStore.js"
import { withAfterCommit } from "./AfterCommit.js"

/**
 * Behaves like TransactionSqlite: one transaction at a time (the store's lock), nested calls join the
 * outer one, and a failure, defect or interruption restores the state from the start of the call. A
 * nested call that fails rolls back only its own writes, like a SAVEPOINT; what `afterCommit` defers
 * inside it runs once the outermost call has succeeded.
 */
export const TransactionMemory: Layer.Layer<Transaction, never, MemoryStore> = Layer.effect(
  Transaction,
  Effect.map(MemoryStore, (store) =>
    Transaction.of({
      atomically: (effect) =>
        withAfterCommit(
          (attempt) =>
            store.locked(Effect.flatMap(Ref.get(store.state), (snapshot) =>
              Effect.onExit(attempt, (exit) => Exit.isSuccess(exit) ? Effect.void : Ref.set(store.state, snapshot)))),
          effect
        )
    }))
)
