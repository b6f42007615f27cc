import { nowSeconds } from "@waiaas/domain"
import { Effect, Layer, Option, SynchronizedRef } from "effect"
import { keyValueOf } from "../Sql/KeyValue.js"
import { SqliteDatabase } from "../Sql/SqliteDatabase.js"
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
 * JwtSecrets kept in `key_value`. The secrets are read once when the layer is built (the current one
 * created there on first start) and then served from a Ref, so signing and verifying never query the
 * database. A rotation writes both rows in one transaction, then replaces the Ref.
 */
export const JwtSecretsSqlite: Layer.Layer<JwtSecrets, never, SqliteDatabase> = Layer.effect(
  JwtSecrets,
  Effect.gen(function*() {
    const db = yield* SqliteDatabase
    const rows = keyValueOf(db)
    const read = (key: string) =>
      rows.get(key).pipe(
        Effect.flatMap(Option.match({
          onNone: () => Effect.succeedNone,
          onSome: (value) => Effect.asSome(decodeStoredSecret(value))
        }))
      )
    const readCurrent = Effect.flatMap(read(CURRENT_KEY), (current) =>
      Option.match(current, {
        onNone: () => Effect.dieMessage(`${CURRENT_KEY} missing from key_value`),
        onSome: Effect.succeed
      }))

    const createCurrentIfMissing = Effect.gen(function*() {
      if (Option.isSome(yield* read(CURRENT_KEY))) return
      const now = yield* nowSeconds
      const value = yield* encodeStoredSecret(newStoredSecret(now))
      // DO NOTHING, then read back: if another process created one meanwhile, both use the same secret.
      yield* rows.setIfMissing(CURRENT_KEY, value, now)
    })

    // One transaction: both rows from the same snapshot, even if another process rotates meanwhile.
    const loaded = yield* db.transaction(Effect.gen(function*() {
      yield* createCurrentIfMissing
      return stateOf(yield* readCurrent, yield* read(PREVIOUS_KEY))
    }))
    const state = yield* SynchronizedRef.make(loaded)

    // The stored current row is the truth (not the Ref), so the old current that becomes the previous is
    // the one in the database even if another process rotated. Uninterruptible: once committed, the Ref
    // must follow, or this process would keep signing with a secret the database no longer calls current.
    const rotate = (now: number) =>
      SynchronizedRef.updateEffect(state, () =>
        db.transaction(Effect.gen(function*() {
          const rotation = yield* rotationOf(yield* readCurrent, now)
          yield* rows.set(CURRENT_KEY, rotation.currentValue, now)
          yield* rows.set(PREVIOUS_KEY, rotation.previousValue, now)
          return rotation.state
        })).pipe(Effect.orDie)).pipe(Effect.uninterruptible, Effect.withSpan("JwtSecrets.rotate"))

    return JwtSecrets.of({ state: SynchronizedRef.get(state), rotate })
  }).pipe(Effect.orDie)
)
