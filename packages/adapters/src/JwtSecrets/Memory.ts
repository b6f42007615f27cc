import { EpochSeconds, nowSeconds } from "@waiaas/domain"
import { Effect, Layer, Option, Ref, Schema } from "effect"
import { randomBytes } from "node:crypto"
import { MemoryStore } from "../MemoryStore.js"
import { JwtSecrets } from "./JwtSecrets.js"

// Same keys and stored format as JwtSecretsSqlite, so the fake behaves the same across a "restart".
const currentKey = "jwt_secret_current"
const previousKey = "jwt_secret_previous"

const StoredSecret = Schema.parseJson(Schema.Struct({
  secret: Schema.Uint8ArrayFromHex.pipe(Schema.filter((bytes) => bytes.length === 32 || "must be 32 bytes")),
  createdAt: EpochSeconds
}))

/**
 * JwtSecrets kept in MemoryStore's key-value map: loaded (or created) when the layer is built, then served
 * from a Ref. Building it twice over the same MemoryStore gives the same secret, like reopening SQLite.
 */
export const JwtSecretsMemory: Layer.Layer<JwtSecrets, never, MemoryStore> = Layer.effect(
  JwtSecrets,
  Effect.gen(function*() {
    const { locked, state } = yield* MemoryStore
    const read = (keyValue: ReadonlyMap<string, string>, key: string) => {
      const value = keyValue.get(key)
      return value === undefined
        ? Effect.succeedNone
        : Effect.map(Schema.decode(StoredSecret)(value), (stored) => Option.some(stored.secret))
    }

    const loadOrCreateCurrent = Effect.gen(function*() {
      const existing = yield* read((yield* Ref.get(state)).keyValue, currentKey)
      if (Option.isSome(existing)) return existing.value
      const secret = randomBytes(32)
      const value = yield* Schema.encode(StoredSecret)({ secret, createdAt: yield* nowSeconds })
      yield* Ref.update(state, (s) => ({ ...s, keyValue: new Map(s.keyValue).set(currentKey, value) }))
      return Uint8Array.from(secret)
    })

    const secrets = yield* Ref.make(yield* locked(Effect.all({
      current: loadOrCreateCurrent,
      previous: Effect.flatMap(Ref.get(state), (s) => read(s.keyValue, previousKey))
    })))

    return JwtSecrets.of({
      current: Effect.map(Ref.get(secrets), (s) => s.current),
      previous: Effect.map(Ref.get(secrets), (s) => s.previous)
    })
  }).pipe(Effect.orDie)
)
