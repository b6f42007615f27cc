import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * The audit log. Ids are UUID v7 (IdGenerator), so id order is time order and the primary key's index
 * alone serves the newest-first cursor pages (`id < ? ORDER BY id DESC`). No foreign keys: an event
 * outlives what it mentions, and some (MASTER_AUTH_FAILED) mention no wallet at all.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  yield* sql`
    CREATE TABLE events (
      id TEXT PRIMARY KEY,
      type TEXT NOT NULL,
      wallet_id TEXT,
      session_id TEXT,
      at INTEGER NOT NULL,
      details TEXT NOT NULL DEFAULT '{}'
    ) STRICT`
})
