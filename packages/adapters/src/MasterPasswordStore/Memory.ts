import { MasterPasswordStore } from "@waiaas/domain"
import { Effect, Layer, Option, Ref } from "effect"
import { MemoryStore } from "../MemoryStore.js"

const key = "master_password_hash"

/** The hash in MemoryStore's key-value map, under the same key as in SQLite. */
export const MasterPasswordStoreMemory: Layer.Layer<MasterPasswordStore, never, MemoryStore> = Layer.effect(
  MasterPasswordStore,
  Effect.gen(function*() {
    const { locked, state } = yield* MemoryStore
    return MasterPasswordStore.of({
      get: locked(Effect.map(Ref.get(state), (s) => Option.fromNullable(s.keyValue.get(key)))),
      set: (hash) => locked(Ref.update(state, (s) => ({ ...s, keyValue: new Map(s.keyValue).set(key, hash) })))
    })
  })
)
