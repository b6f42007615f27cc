import { nowSeconds } from "@waiaas/domain"
import { Effect, Layer, Option, Ref } from "effect"
import { MemoryStore } from "../MemoryStore.js"
import { JwtSecrets } from "./JwtSecrets.js"
import {
  CURRENT_KEY,
  decodeStoredSecret,
  encodeStoredSecret,
  newStoredSecret,
  PREVIOUS_KEY,
  rotationOf,
  stateOf
} from "./StoredSecret.js"

/**
 * JwtSecrets kept in MemoryStore's key-value map, in the same rows and format as JwtSecretsSqlite: loaded
 * (or created) when the layer is built, then served from a Ref. Building it twice over the same
 * MemoryStore gives the same secrets, like reopening SQLite.
 */
export const JwtSecretsMemory: Layer.Layer<JwtSecrets, never, MemoryStore> = Layer.effect(
  JwtSecrets,
  Effect.gen(function*() {
    const store = yield* MemoryStore
    const read = (key: string) =>
      Effect.flatMap(Ref.get(store.state), (s) => {
        const value = s.keyValue.get(key)
        return value === undefined ? Effect.succeedNone : Effect.asSome(decodeStoredSecret(value))
      })
    const write = (rows: ReadonlyArray<readonly [key: string, value: string]>) =>
      Ref.update(store.state, (s) => {
        const keyValue = new Map(s.keyValue)
        for (const [key, value] of rows) keyValue.set(key, value)
        return { ...s, keyValue }
      })
    const readCurrent = Effect.flatMap(read(CURRENT_KEY), (current) =>
      Option.match(current, {
        onNone: () => Effect.dieMessage(`${CURRENT_KEY} missing from the memory store`),
        onSome: Effect.succeed
      }))

    const loadOrCreate = Effect.gen(function*() {
      if (Option.isNone(yield* read(CURRENT_KEY))) {
        yield* write([[CURRENT_KEY, yield* encodeStoredSecret(newStoredSecret(yield* nowSeconds))]])
      }
      return stateOf(yield* readCurrent, yield* read(PREVIOUS_KEY))
    })

    const state = yield* Ref.make(yield* store.locked(loadOrCreate))

    // Like the SQLite transaction: under the store's lock, from the stored current row, both rows at once.
    const rotate = (now: number) =>
      store.locked(Effect.gen(function*() {
        const rotation = yield* rotationOf(yield* readCurrent, now)
        yield* write([[CURRENT_KEY, rotation.currentValue], [PREVIOUS_KEY, rotation.previousValue]])
        yield* Ref.set(state, rotation.state)
      })).pipe(Effect.orDie, Effect.uninterruptible)

    return JwtSecrets.of({ state: Ref.get(state), rotate })
  }).pipe(Effect.orDie)
)
