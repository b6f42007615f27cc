import { SqlClient } from "@effect/sql"
import { type IdGenerator, Notifier } from "@waiaas/domain"
import { Effect, Layer } from "effect"
import { retryBusy } from "../Sql/SqliteLive.js"
import { makeRecordingNotifier } from "./Recorder.js"

/**
 * Records every event as a row of `events` (read back by EventLogSqlite). Only the record's fields are
 * written: type, ids, time and the small details object as JSON. An insert that fails (even after the busy
 * retries) is logged and dropped; the caller never sees it.
 */
export const NotifierSqlite: Layer.Layer<Notifier, never, SqlClient.SqlClient | IdGenerator> = Layer.effect(
  Notifier,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return yield* makeRecordingNotifier((record) =>
      retryBusy(sql`
        INSERT INTO events (id, type, wallet_id, session_id, at, details)
        VALUES (${record.id}, ${record.type}, ${record.walletId}, ${record.sessionId}, ${record.at},
                ${JSON.stringify(record.details)})`)
    )
  })
)
