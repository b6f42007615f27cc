import { EpochSeconds, EventId, EventLog, EventRecord, EventType, SessionId, WalletId } from "@waiaas/domain"
import { Effect, Layer, Schema } from "effect"
import { SqliteDatabase } from "../Sql/SqliteDatabase.js"
import { rowsForPage, toPage } from "./Page.js"

/** An `events` row, decoded into an EventRecord; the one place that knows the column names. */
const EventFromRow = Schema.transform(
  Schema.Struct({
    id: EventId,
    type: EventType,
    wallet_id: Schema.NullOr(WalletId),
    session_id: Schema.NullOr(SessionId),
    at: EpochSeconds,
    details: Schema.parseJson(EventRecord.fields.details)
  }),
  Schema.typeSchema(EventRecord),
  {
    strict: true,
    decode: (row) => ({
      id: row.id,
      type: row.type,
      walletId: row.wallet_id,
      sessionId: row.session_id,
      at: row.at,
      details: row.details
    }),
    encode: (event) => ({
      id: event.id,
      type: event.type,
      wallet_id: event.walletId,
      session_id: event.sessionId,
      at: event.at,
      details: event.details
    })
  }
)

const decodeRows = Schema.decodeUnknown(Schema.Array(EventFromRow))

/**
 * The `events` table, newest first. A page is one range of the primary key's index read backwards
 * (`id < before ORDER BY id DESC`), so every page costs the same however deep the cursor is; one row more
 * than asked says whether an older page exists.
 */
export const EventLogSqlite: Layer.Layer<EventLog, never, SqliteDatabase> = Layer.effect(
  EventLog,
  Effect.map(SqliteDatabase, (db) =>
    EventLog.of({
      page: Effect.fn("EventLogSqlite.page")(function*({ before, limit }) {
        const rows = before !== undefined
          ? yield* db.query("SELECT * FROM events WHERE id < ? ORDER BY id DESC LIMIT ?", [before, rowsForPage(limit)])
          : yield* db.query("SELECT * FROM events ORDER BY id DESC LIMIT ?", [rowsForPage(limit)])
        return toPage(yield* decodeRows(rows), limit)
      }, Effect.orDie)
    }))
)
