import { MasterPasswordStore, nowSeconds } from "@waiaas/domain"
import { Effect, Layer, Option } from "effect"
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
    let known: Option.Option<string> = Option.none()
    const read = Effect.map(
      db.queryFirst<{ readonly value: string }>("SELECT value FROM key_value WHERE key = ?", [key]),
      Option.map((row) => row.value)
    )
    return MasterPasswordStore.of({
      get: Effect.suspend(() =>
        Option.isSome(known) ? Effect.succeed(known) : Effect.tap(read, (stored) => {
          known = stored
        })
      ),
      set: (hash) =>
        Effect.flatMap(nowSeconds, (now) =>
          db.execute(
            `INSERT INTO key_value (key, value, updated_at) VALUES (?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
            [key, hash, now]
          )).pipe(
            Effect.tap(() => {
              known = Option.some(hash)
            }),
            Effect.asVoid,
            Effect.withSpan("MasterPasswordStoreSqlite.set")
          )
    })
  })
)
