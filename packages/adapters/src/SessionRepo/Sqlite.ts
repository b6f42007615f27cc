import {
  Session,
  SessionId,
  SessionRepo,
  type SessionSource,
  type SessionStatus,
  type WalletId
} from "@waiaas/domain"
import { Effect, Layer, Option } from "effect"
import { SqliteDatabase, type SqlParam } from "../Sql/SqliteDatabase.js"

/** A `sessions` row; the one place that knows the column names. */
interface SessionRow {
  readonly id: SessionId
  readonly wallet_id: WalletId
  readonly token_hash: string
  readonly source: SessionSource
  readonly ttl: number
  readonly expires_at: number
  readonly absolute_expires_at: number
  readonly renewal_count: number
  readonly max_renewals: number
  readonly last_renewed_at: number | null
  readonly revoked_at: number | null
  readonly expired_at: number | null
  readonly created_at: number
}

/**
 * The Session a row holds, unchecked: every row was written from a valid Session, into a STRICT table whose
 * CHECKs pin the rest.
 */
const sessionFromRow = (row: SessionRow): Session =>
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

const sessionsFromRows = (rows: ReadonlyArray<SessionRow>): ReadonlyArray<Session> => rows.map(sessionFromRow)

const INSERT = `INSERT INTO sessions (id, wallet_id, token_hash, source, ttl, expires_at, absolute_expires_at,
  renewal_count, max_renewals, last_renewed_at, revoked_at, expired_at, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const rowOf = (session: Session): Array<SqlParam> => [
  session.id,
  session.walletId,
  session.tokenHash,
  session.source,
  session.ttl,
  session.expiresAt,
  session.absoluteExpiresAt,
  session.renewalCount,
  session.maxRenewals,
  session.lastRenewedAt,
  session.revokedAt,
  session.expiredAt,
  session.createdAt
]

/** `markExpired` updates at most this many ids per statement, well under SQLite's bound-parameter limit. */
const MARK_EXPIRED_CHUNK = 500

/** A LIMIT that SQLite and the memory fake read alike (a negative LIMIT would mean "no limit" to SQLite). */
const rowLimit = (limit: number): number => Math.max(0, Math.trunc(limit))

const chunksOf = <A>(items: ReadonlyArray<A>, size: number): ReadonlyArray<ReadonlyArray<A>> =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size))

const placeholders = (n: number) => Array.from({ length: n }, () => "?").join(", ")

/** A condition of `list`: SQL text and its parameters. */
type Condition = readonly [sql: string, params: ReadonlyArray<SqlParam>]

// `source = 'mcp'` is a literal, never a bound parameter: only then can the planner prove that the partial
// MCP indexes apply.
const sourceIs = (source: SessionSource): Condition => [source === "mcp" ? "source = 'mcp'" : "source = 'api'", []]

// The unary `+` keeps a term from choosing an index (a documented SQLite idiom). Expired rows are most of
// the history, so EXPIRED walks a newest-first index and meets its `limit` quickly, rather than reading
// every expired row of the unrevoked-by-expiry indexes and sorting them.
const statusIs = (status: SessionStatus, now: number): Condition => {
  switch (status) {
    case "ACTIVE":
      return ["revoked_at IS NULL AND expires_at > ?", [now]]
    case "EXPIRED":
      return ["revoked_at IS NULL AND +expires_at <= ?", [now]]
    case "REVOKED":
      return ["revoked_at IS NOT NULL", []]
  }
}

// Active sessions are few (a handful per wallet), so for ACTIVE the best plan is a range of an "active"
// index and a sort of that small set; `+created_at` stops the planner from walking the whole newest-first
// index instead, which it would, not knowing that `limit` matches may lie far back in the history.
const newestFirst = (status: SessionStatus | undefined) =>
  status === "ACTIVE" ? "ORDER BY +created_at DESC, id DESC" : "ORDER BY created_at DESC, id DESC"

/**
 * SessionRepo over the `sessions` table. Every predicate is spelled exactly as the partial index meant to
 * serve it (`revoked_at IS NULL`, `expired_at IS NULL`, and `source = 'mcp'` as a literal, never a bound
 * parameter), so that the planner can prove the index applies; the plans are pinned by a test.
 */
export const SessionRepoSqlite: Layer.Layer<SessionRepo, never, SqliteDatabase> = Layer.effect(
  SessionRepo,
  Effect.map(SqliteDatabase, (db) => {
    const first = (sql: string, params: ReadonlyArray<SqlParam>) =>
      Effect.map(db.queryFirst<SessionRow>(sql, params), Option.map(sessionFromRow))
    const all = (sql: string, params: ReadonlyArray<SqlParam> = []) =>
      Effect.map(db.query<SessionRow>(sql, params), sessionsFromRows)

    return SessionRepo.of({
      // A duplicate id or an unknown wallet violates a constraint: a defect, the caller checks first.
      insert: (session) => Effect.asVoid(db.execute(INSERT, rowOf(session))),
      findById: (id) => first("SELECT * FROM sessions WHERE id = ?", [id]),
      // Newest first straight off sessions_newest_first or a by-wallet one, where LIMIT stops the walk after
      // `limit` matches; ACTIVE sorts the live sessions instead (see newestFirst).
      list: (query) => {
        const conditions: Array<Condition> = [
          ...(query.walletId !== undefined ? [["wallet_id = ?", [query.walletId]] as const] : []),
          ...(query.source !== undefined ? [sourceIs(query.source)] : []),
          ...(query.status !== undefined ? [statusIs(query.status, query.now)] : [])
        ]
        const where = conditions.length === 0 ? "1=1" : conditions.map(([sql]) => `(${sql})`).join(" AND ")
        return all(
          `SELECT * FROM sessions WHERE ${where} ${newestFirst(query.status)} LIMIT ?`,
          [...conditions.flatMap(([, params]) => params), rowLimit(query.limit)]
        )
      },
      countActive: (walletId, now) =>
        Effect.map(
          db.queryFirst<{ readonly active: number }>(
            `SELECT COUNT(*) AS active FROM sessions
             WHERE wallet_id = ? AND revoked_at IS NULL AND expires_at > ?`,
            [walletId, now]
          ),
          (row) => Option.isSome(row) ? row.value.active : 0
        ),
      findActiveMcp: (walletId, now) =>
        first(
          `SELECT * FROM sessions
           WHERE wallet_id = ? AND revoked_at IS NULL AND source = 'mcp' AND expires_at > ?
           ORDER BY created_at DESC, id DESC
           LIMIT 1`,
          [walletId, now]
        ),
      // A range of sessions_active_by_expiry (live sessions only, never the revoked or expired history), then a
      // sort of those few rows: at most one active MCP session per wallet.
      listActiveMcp: (now) =>
        all(
          `SELECT * FROM sessions
           WHERE revoked_at IS NULL AND expires_at > ? AND source = 'mcp'
           ORDER BY created_at, id`,
          [now]
        ),
      // One seek into sessions_mcp_by_wallet_newest_first per wallet (every session has a stored wallet), not a
      // GROUP BY over every MCP session ever made.
      latestMcpPerWallet: all(
        `SELECT sessions.* FROM wallets
         JOIN sessions ON sessions.id = (
           SELECT latest.id FROM sessions AS latest
           WHERE latest.wallet_id = wallets.id AND latest.source = 'mcp'
           ORDER BY latest.created_at DESC, latest.id DESC
           LIMIT 1
         )
         ORDER BY sessions.created_at DESC, sessions.id DESC`
      ),
      // One statement: the check and the write cannot be split by another writer.
      replaceToken: (id, expectedHash, fields) =>
        Effect.map(
          db.execute(
            `UPDATE sessions
             SET token_hash = ?, expires_at = ?, renewal_count = ?, last_renewed_at = ?
             WHERE id = ? AND token_hash = ?`,
            [fields.tokenHash, fields.expiresAt, fields.renewalCount, fields.lastRenewedAt, id, expectedHash]
          ),
          (changed) => changed > 0
        ),
      revoke: (id, now) =>
        Effect.map(
          db.execute("UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", [now, id]),
          (changed) => changed > 0
        ),
      reinstate: (id, revokedAt) =>
        Effect.asVoid(db.execute("UPDATE sessions SET revoked_at = NULL WHERE id = ? AND revoked_at = ?", [id, revokedAt])),
      // Ids come back sorted (RETURNING has no defined order), oldest first since ids are UUID v7.
      revokeAllForWallet: (walletId, now) =>
        Effect.map(
          db.executeReturning<{ readonly id: string }>(
            `UPDATE sessions SET revoked_at = ?
             WHERE wallet_id = ? AND revoked_at IS NULL AND expires_at > ?
             RETURNING id`,
            [now, walletId, now]
          ),
          (rows) => rows.map((row) => SessionId.make(row.id)).sort()
        ),
      // One statement, so no session can become active between the read and the write. RETURNING gives the
      // rows after the update; before it, each had revoked_at NULL (the WHERE says so). Sorted by id.
      revokeAll: (now) =>
        Effect.map(
          db.executeReturning<SessionRow>(
            `UPDATE sessions SET revoked_at = ?
             WHERE revoked_at IS NULL AND expires_at > ?
             RETURNING *`,
            [now, now]
          ),
          (rows) =>
            rows
              .map((row) => sessionFromRow({ ...row, revoked_at: null }))
              .sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
        ),
      findDueForExpiry: (now, limit) =>
        all(
          `SELECT * FROM sessions
           WHERE revoked_at IS NULL AND expired_at IS NULL AND expires_at <= ?
           ORDER BY expires_at, id
           LIMIT ?`,
          [now, rowLimit(limit)]
        ),
      markExpired: (ids, now) =>
        ids.length === 0 ? Effect.void : db.transaction(Effect.forEach(
          chunksOf(ids, MARK_EXPIRED_CHUNK),
          (chunk) =>
            db.execute(
              `UPDATE sessions SET expired_at = ? WHERE expired_at IS NULL AND id IN (${placeholders(chunk.length)})`,
              [now, ...chunk]
            ),
          { discard: true }
        ))
    })
  })
)
