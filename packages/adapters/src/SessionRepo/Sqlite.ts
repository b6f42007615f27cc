import { SqlClient, SqlSchema } from "@effect/sql"
import {
  EpochSeconds,
  Session,
  SessionId,
  SessionRepo,
  SessionSource,
  type SessionStatus,
  WalletId
} from "@waiaas/domain"
import { Effect, Layer, Schema } from "effect"
import { retryBusy } from "../Sql/SqliteLive.js"
import { findByIdOutsideTransactions, SqliteReader } from "../Sql/SqliteReader.js"

const SessionRow = Schema.Struct({
    id: SessionId,
    wallet_id: WalletId,
    token_hash: Schema.String,
    source: SessionSource,
    ttl: Schema.Int,
    expires_at: EpochSeconds,
    absolute_expires_at: EpochSeconds,
    renewal_count: Schema.Int,
    max_renewals: Schema.Int,
    last_renewed_at: Schema.NullOr(EpochSeconds),
    revoked_at: Schema.NullOr(EpochSeconds),
    expired_at: Schema.NullOr(EpochSeconds),
    created_at: EpochSeconds
})

/**
 * The Session a row holds. Unchecked (the transform below checks its output; SqliteReader rows are trusted):
 * every row was encoded from a valid Session on its way in, into a STRICT table whose CHECKs pin the rest.
 */
const sessionFromRow = (row: typeof SessionRow.Type): Session =>
  new Session({
    id: row.id,
    walletId: row.wallet_id,
    tokenHash: row.token_hash,
    source: row.source,
    ttl: row.ttl,
    expiresAt: row.expires_at,
    absoluteExpiresAt: row.absolute_expires_at,
    renewalCount: row.renewal_count,
    maxRenewals: row.max_renewals,
    lastRenewedAt: row.last_renewed_at,
    revokedAt: row.revoked_at,
    expiredAt: row.expired_at,
    createdAt: row.created_at
  }, true)

/** A `sessions` row, decoded into a Session and encoded back; the one place that knows the column names. */
const SessionFromRow = Schema.transform(
  SessionRow,
  Schema.typeSchema(Session),
  {
    strict: true,
    decode: (row) => sessionFromRow(row),
    encode: (session) => ({
      id: session.id,
      wallet_id: session.walletId,
      token_hash: session.tokenHash,
      source: session.source,
      ttl: session.ttl,
      expires_at: session.expiresAt,
      absolute_expires_at: session.absoluteExpiresAt,
      renewal_count: session.renewalCount,
      max_renewals: session.maxRenewals,
      last_renewed_at: session.lastRenewedAt,
      revoked_at: session.revokedAt,
      expired_at: session.expiredAt,
      created_at: session.createdAt
    })
  }
)

const encodeRow = Schema.encode(SessionFromRow)
const decodeRows = Schema.decodeUnknown(Schema.Array(SessionFromRow))

const WalletAt = Schema.Struct({ walletId: WalletId, now: Schema.Number })

/** `markExpired` updates at most this many ids per statement, well under SQLite's bound-parameter limit. */
const MARK_EXPIRED_CHUNK = 500

/** A LIMIT that SQLite and the memory fake read alike (a negative LIMIT would mean "no limit" to SQLite). */
const rowLimit = (limit: number): number => Math.max(0, Math.trunc(limit))

const chunksOf = <A>(items: ReadonlyArray<A>, size: number): ReadonlyArray<ReadonlyArray<A>> =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size))

/**
 * SessionRepo over the `sessions` table. Every predicate is spelled exactly as the partial index meant to
 * serve it (`revoked_at IS NULL`, `expired_at IS NULL`, and `source = 'mcp'` as a literal, never a bound
 * parameter), so that the planner can prove the index applies; the plans are pinned by a test.
 */
export const SessionRepoSqlite: Layer.Layer<SessionRepo, never, SqlClient.SqlClient | SqliteReader> = Layer.effect(
  SessionRepo,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const reader = yield* SqliteReader
    const findById = SqlSchema.findOne({
      Request: SessionId,
      Result: SessionFromRow,
      execute: (id) => sql`SELECT * FROM sessions WHERE id = ${id}`
    })
    const findActiveMcp = SqlSchema.findOne({
      Request: WalletAt,
      Result: SessionFromRow,
      execute: ({ now, walletId }) =>
        sql`SELECT * FROM sessions
            WHERE wallet_id = ${walletId} AND revoked_at IS NULL AND source = 'mcp' AND expires_at > ${now}
            ORDER BY created_at DESC, id DESC
            LIMIT 1`
    })

    const sourceIs = (source: SessionSource) => source === "mcp" ? sql`source = 'mcp'` : sql`source = 'api'`
    // The unary `+` keeps a term from choosing an index (a documented SQLite idiom). Expired rows are most of
    // the history, so EXPIRED walks a newest-first index and meets its `limit` quickly, rather than reading
    // every expired row of the unrevoked-by-expiry indexes and sorting them.
    const statusIs = (status: SessionStatus, now: number) => {
      switch (status) {
        case "ACTIVE":
          return sql`revoked_at IS NULL AND expires_at > ${now}`
        case "EXPIRED":
          return sql`revoked_at IS NULL AND +expires_at <= ${now}`
        case "REVOKED":
          return sql`revoked_at IS NOT NULL`
      }
    }
    // Active sessions are few (a handful per wallet), so for ACTIVE the best plan is a range of an "active"
    // index and a sort of that small set; `+created_at` stops the planner from walking the whole newest-first
    // index instead, which it would, not knowing that `limit` matches may lie far back in the history.
    const newestFirst = (status: SessionStatus | undefined) =>
      status === "ACTIVE" ? sql`ORDER BY +created_at DESC, id DESC` : sql`ORDER BY created_at DESC, id DESC`

    return SessionRepo.of({
      // A duplicate id or an unknown wallet violates a constraint: a defect, the caller checks first.
      insert: Effect.fn("SessionRepoSqlite.insert")(function*(session) {
        const row = yield* encodeRow(session)
        yield* sql`INSERT INTO sessions ${sql.insert(row)}`
      }, retryBusy, Effect.orDie),
      // Every agent request reads its session: untraced, and off SqliteReader outside transactions.
      findById: findByIdOutsideTransactions({
        reader,
        table: "sessions",
        fromRow: sessionFromRow,
        inTransaction: (id: SessionId) => findById(id).pipe(retryBusy, Effect.orDie)
      }),
      // Newest first straight off sessions_newest_first or a by-wallet one, where LIMIT stops the walk after
      // `limit` matches; ACTIVE sorts the live sessions instead (see newestFirst).
      list: Effect.fn("SessionRepoSqlite.list")(function*(query) {
        const conditions = [
          ...(query.walletId !== undefined ? [sql`wallet_id = ${query.walletId}`] : []),
          ...(query.source !== undefined ? [sourceIs(query.source)] : []),
          ...(query.status !== undefined ? [statusIs(query.status, query.now)] : [])
        ]
        const rows = yield* sql`
          SELECT * FROM sessions WHERE ${sql.and(conditions)}
          ${newestFirst(query.status)}
          LIMIT ${rowLimit(query.limit)}`
        return yield* decodeRows(rows)
      }, retryBusy, Effect.orDie),
      countActive: Effect.fn("SessionRepoSqlite.countActive")(function*(walletId, now) {
        const rows = yield* sql<{ readonly active: number }>`
          SELECT COUNT(*) AS active FROM sessions
          WHERE wallet_id = ${walletId} AND revoked_at IS NULL AND expires_at > ${now}`
        return rows[0]?.active ?? 0
      }, retryBusy, Effect.orDie),
      findActiveMcp: Effect.fn("SessionRepoSqlite.findActiveMcp")(function*(walletId, now) {
        return yield* findActiveMcp({ walletId, now })
      }, retryBusy, Effect.orDie),
      // A range of sessions_active_by_expiry (live sessions only, never the revoked or expired history), then a
      // sort of those few rows: at most one active MCP session per wallet.
      listActiveMcp: Effect.fn("SessionRepoSqlite.listActiveMcp")(function*(now) {
        const rows = yield* sql`
          SELECT * FROM sessions
          WHERE revoked_at IS NULL AND expires_at > ${now} AND source = 'mcp'
          ORDER BY created_at, id`
        return yield* decodeRows(rows)
      }, retryBusy, Effect.orDie),
      // One seek into sessions_mcp_by_wallet_newest_first per wallet (every session has a stored wallet), not a
      // GROUP BY over every MCP session ever made.
      latestMcpPerWallet: Effect.gen(function*() {
        const rows = yield* sql`
          SELECT sessions.* FROM wallets
          JOIN sessions ON sessions.id = (
            SELECT latest.id FROM sessions AS latest
            WHERE latest.wallet_id = wallets.id AND latest.source = 'mcp'
            ORDER BY latest.created_at DESC, latest.id DESC
            LIMIT 1
          )
          ORDER BY sessions.created_at DESC, sessions.id DESC`
        return yield* decodeRows(rows)
      }).pipe(retryBusy, Effect.orDie, Effect.withSpan("SessionRepoSqlite.latestMcpPerWallet")),
      // One statement: the check and the write cannot be split by another writer.
      replaceToken: Effect.fn("SessionRepoSqlite.replaceToken")(function*(id, expectedHash, fields) {
        const replaced = yield* sql`
          UPDATE sessions
          SET token_hash = ${fields.tokenHash}, expires_at = ${fields.expiresAt},
              renewal_count = ${fields.renewalCount}, last_renewed_at = ${fields.lastRenewedAt}
          WHERE id = ${id} AND token_hash = ${expectedHash}
          RETURNING id`
        return replaced.length > 0
      }, retryBusy, Effect.orDie),
      revoke: Effect.fn("SessionRepoSqlite.revoke")(function*(id, now) {
        const revoked = yield* sql`
          UPDATE sessions SET revoked_at = ${now} WHERE id = ${id} AND revoked_at IS NULL RETURNING id`
        return revoked.length > 0
      }, retryBusy, Effect.orDie),
      reinstate: Effect.fn("SessionRepoSqlite.reinstate")(function*(id, revokedAt) {
        yield* sql`UPDATE sessions SET revoked_at = NULL WHERE id = ${id} AND revoked_at = ${revokedAt}`
      }, retryBusy, Effect.orDie),
      // Ids come back sorted (RETURNING has no defined order), oldest first since ids are UUID v7.
      revokeAllForWallet: Effect.fn("SessionRepoSqlite.revokeAllForWallet")(function*(walletId, now) {
        const rows = yield* sql<{ readonly id: string }>`
          UPDATE sessions SET revoked_at = ${now}
          WHERE wallet_id = ${walletId} AND revoked_at IS NULL AND expires_at > ${now}
          RETURNING id`
        return rows.map((row) => SessionId.make(row.id)).sort()
      }, retryBusy, Effect.orDie),
      // One statement, so no session can become active between the read and the write. RETURNING gives the
      // rows after the update; before it, each had revoked_at NULL (the WHERE says so). Sorted by id.
      revokeAll: Effect.fn("SessionRepoSqlite.revokeAll")(function*(now) {
        const rows = yield* sql`
          UPDATE sessions SET revoked_at = ${now}
          WHERE revoked_at IS NULL AND expires_at > ${now}
          RETURNING *`
        const revoked = yield* decodeRows(rows)
        return revoked
          .map((session) => new Session({ ...session, revokedAt: null }))
          .sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
      }, retryBusy, Effect.orDie),
      findDueForExpiry: Effect.fn("SessionRepoSqlite.findDueForExpiry")(function*(now, limit) {
        const rows = yield* sql`
          SELECT * FROM sessions
          WHERE revoked_at IS NULL AND expired_at IS NULL AND expires_at <= ${now}
          ORDER BY expires_at, id
          LIMIT ${rowLimit(limit)}`
        return yield* decodeRows(rows)
      }, retryBusy, Effect.orDie),
      markExpired: Effect.fn("SessionRepoSqlite.markExpired")(function*(ids, now) {
        if (ids.length === 0) return
        yield* sql.withTransaction(Effect.forEach(
          chunksOf(ids, MARK_EXPIRED_CHUNK),
          (chunk) => sql`UPDATE sessions SET expired_at = ${now} WHERE expired_at IS NULL AND id IN ${sql.in(chunk)}`,
          { discard: true }
        ))
      }, retryBusy, Effect.orDie)
    })
  })
)
