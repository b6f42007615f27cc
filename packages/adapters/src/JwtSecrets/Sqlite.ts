import { SqlClient } from "@effect/sql"
import { EpochSeconds, nowSeconds } from "@waiaas/domain"
import { Effect, Layer, Option, Ref, Schema } from "effect"
import { randomBytes } from "node:crypto"
import { retryBusy } from "../Sql/SqliteLive.js"
import { JwtSecrets } from "./JwtSecrets.js"

const currentKey = "jwt_secret_current"
const previousKey = "jwt_secret_previous"

/** A `key_value` value: `{"secret": <64 hex digits>, "createdAt": <epoch seconds>}`. */
const StoredSecret = Schema.parseJson(Schema.Struct({
  secret: Schema.Uint8ArrayFromHex.pipe(Schema.filter((bytes) => bytes.length === 32 || "must be 32 bytes")),
  createdAt: EpochSeconds
}))

/**
 * JwtSecrets kept in `key_value`. The secrets are read once when the layer is built (the current one
 * created there on first start) and then served from a Ref, so signing never queries the database.
 * Rotation will write both rows in one transaction and then replace the Ref.
 */
export const JwtSecretsSqlite: Layer.Layer<JwtSecrets, never, SqlClient.SqlClient> = Layer.effect(
  JwtSecrets,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const read = (key: string) =>
      sql<{ readonly value: string }>`SELECT value FROM key_value WHERE key = ${key}`.pipe(
        Effect.flatMap((rows) =>
          rows[0] === undefined ? Effect.succeedNone : Effect.asSome(Schema.decode(StoredSecret)(rows[0].value))
        ),
        Effect.map(Option.map((stored) => stored.secret))
      )

    const loadOrCreateCurrent = Effect.gen(function*() {
      const existing = yield* read(currentKey)
      if (Option.isSome(existing)) return existing.value
      const now = yield* nowSeconds
      const value = yield* Schema.encode(StoredSecret)({ secret: randomBytes(32), createdAt: now })
      // DO NOTHING, then read back: if another process created one meanwhile, both use the same secret.
      yield* sql`
        INSERT INTO key_value (key, value, updated_at) VALUES (${currentKey}, ${value}, ${now})
        ON CONFLICT (key) DO NOTHING`
      return Option.getOrThrowWith(yield* read(currentKey), () => new Error(`${currentKey} missing after insert`))
    })

    const secrets = yield* Ref.make({ current: yield* loadOrCreateCurrent, previous: yield* read(previousKey) })

    return JwtSecrets.of({
      current: Effect.map(Ref.get(secrets), (s) => s.current),
      previous: Effect.map(Ref.get(secrets), (s) => s.previous)
    })
  }).pipe(retryBusy, Effect.orDie)
)
