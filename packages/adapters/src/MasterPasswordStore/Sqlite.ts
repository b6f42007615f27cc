import { MasterPasswordStore, nowSeconds } from "@waiaas/domain"
import { Effect, Layer, Option } from "effect"
import { SqliteDatabase } from "../Sql/SqliteDatabase.js"

const key = "master_password_hash"

/** The hash lives in `key_value` under "master_password_hash". */
export const MasterPasswordStoreSqlite: Layer.Layer<MasterPasswordStore, never, SqliteDatabase> = Layer.effect(
  MasterPasswordStore,
  Effect.map(SqliteDatabase, (db) =>
    MasterPasswordStore.of({
      get: Effect.map(
        db.queryFirst<{ readonly value: string }>("SELECT value FROM key_value WHERE key = ?", [key]),
        Option.map((row) => row.value)
      ),
      set: (hash) =>
        Effect.flatMap(nowSeconds, (now) =>
          db.execute(
            `INSERT INTO key_value (key, value, updated_at) VALUES (?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
            [key, hash, now]
          )).pipe(Effect.asVoid, Effect.withSpan("MasterPasswordStoreSqlite.set"))
    }))
)
