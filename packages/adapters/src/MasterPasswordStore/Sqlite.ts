import { SqlClient } from "@effect/sql"
import { MasterPasswordStore, nowSeconds } from "@waiaas/domain"
import { Effect, Layer, Option } from "effect"
import { retryBusy } from "../Sql/SqliteLive.js"

const key = "master_password_hash"

/** The hash lives in `key_value` under "master_password_hash". */
export const MasterPasswordStoreSqlite: Layer.Layer<MasterPasswordStore, never, SqlClient.SqlClient> = Layer.effect(
  MasterPasswordStore,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return MasterPasswordStore.of({
      get: sql<{ readonly value: string }>`SELECT value FROM key_value WHERE key = ${key}`.pipe(
        Effect.map((rows) => Option.fromNullable(rows[0]?.value)),
        retryBusy,
        Effect.withSpan("MasterPasswordStoreSqlite.get")
      ),
      set: Effect.fn("MasterPasswordStoreSqlite.set")(function*(hash) {
        const now = yield* nowSeconds
        yield* sql`
          INSERT INTO key_value (key, value, updated_at) VALUES (${key}, ${hash}, ${now})
          ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`
      }, retryBusy)
    })
  })
)
