import { type IdGenerator, Notifier } from "@waiaas/domain"
import { Effect, Layer } from "effect"
import { SqliteDatabase } from "../Sql/SqliteDatabase.js"
import { makeRecordingNotifier } from "./Recorder.js"

const INSERT_EVENT = "INSERT INTO events (id, type, wallet_id, session_id, at, details) VALUES (?, ?, ?, ?, ?, ?)"

/**
 * Records every event as a row of `events` (read back by EventLogSqlite). Only the record's fields are
 * written: type, ids, time and the small details object as JSON. An insert that fails (even after the busy
 * retries) is logged and dropped; the caller never sees it.
 */
export const NotifierSqlite: Layer.Layer<Notifier, never, SqliteDatabase | IdGenerator> = Layer.effect(
  Notifier,
  Effect.flatMap(SqliteDatabase, (db) =>
    makeRecordingNotifier((record) =>
      db.execute(INSERT_EVENT, [record.id, record.type, record.walletId, record.sessionId, record.at, JSON.stringify(record.details)])
    ))
)
