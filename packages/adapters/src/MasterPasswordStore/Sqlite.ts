import { MasterPasswordStore, nowSeconds } from "@waiaas/domain"
import { Effect, Layer, Option } from "effect"
import { keyValueOf } from "../Sql/KeyValue.js"
import { SqliteDatabase } from "../Sql/SqliteDatabase.js"

const key = "master_password_hash"

/**
 * The hash lives in `key_value` under "master_password_hash". Read once, then kept: every admin request
 * asks for it, only the first start of a data dir sets it (through this store), and one daemon at a time
 * owns the data dir.
 */
export const MasterPasswordStoreSqlite: Layer.Layer<MasterPasswordStore, never, SqliteDatabase> = Layer.effect(
  MasterPasswordStore,
  Effect.map(SqliteDatabase, (db) => {
    const rows = keyValueOf(db)
    let known: Option.Option<string> = Option.none()
    return MasterPasswordStore.of({
      get: Effect.suspend(() =>
        Option.isSome(known) ? Effect.succeed(known) : Effect.tap(rows.get(key), (stored) => {
          known = stored
        })
      ),
      set: (hash) =>
        Effect.flatMap(nowSeconds, (now) => rows.set(key, hash, now)).pipe(
          Effect.tap(() => {
            known = Option.some(hash)
          }),
          Effect.withSpan("MasterPasswordStoreSqlite.set")
        )
    })
  })
)
