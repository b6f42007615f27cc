import { Effect, Option } from "effect"
import type { SqliteDatabase } from "./SqliteDatabase.js"

/**
 * The `key_value` table, for the stores that keep one value under a fixed key (the master-password hash,
 * the JWT secrets): its statements written once.
 */
export const keyValueOf = (db: SqliteDatabase["Type"]) => ({
  get: (key: string): Effect.Effect<Option.Option<string>> =>
    Effect.map(
      db.queryFirst<{ readonly value: string }>("SELECT value FROM key_value WHERE key = ?", [key]),
      Option.map((row) => row.value)
    ),
  set: (key: string, value: string, now: number): Effect.Effect<void> =>
    Effect.asVoid(db.execute(
      `INSERT INTO key_value (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [key, value, now]
    )),
  /** Inserts unless the key exists (another process may have written it first). */
  setIfMissing: (key: string, value: string, now: number): Effect.Effect<void> =>
    Effect.asVoid(db.execute(
      "INSERT INTO key_value (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
      [key, value, now]
    ))
})
