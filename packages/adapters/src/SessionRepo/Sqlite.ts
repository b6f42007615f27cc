import { SqlClient, SqlSchema } from "@effect/sql"
import { EpochSeconds, Session, SessionId, SessionRepo, SessionSource, WalletId } from "@waiaas/domain"
import { Effect, Layer, Schema } from "effect"
import { retryBusy } from "../Sql/SqliteLive.js"

/** A `sessions` row, decoded into a Session and encoded back; the one place that knows the column names. */
const SessionFromRow = Schema.transform(
  Schema.Struct({
    id: SessionId,
    wallet_id: WalletId,
    token_hash: Schema.String,
    source: SessionSource,
    expires_at: EpochSeconds,
    absolute_expires_at: EpochSeconds,
    renewal_count: Schema.Int,
    max_renewals: Schema.Int,
    last_renewed_at: Schema.NullOr(EpochSeconds),
    revoked_at: Schema.NullOr(EpochSeconds),
    created_at: EpochSeconds
  }),
  Schema.typeSchema(Session),
  {
    strict: true,
    decode: (row) =>
      new Session({
        id: row.id,
        walletId: row.wallet_id,
        tokenHash: row.token_hash,
        source: row.source,
        expiresAt: row.expires_at,
        absoluteExpiresAt: row.absolute_expires_at,
        renewalCount: row.renewal_count,
        maxRenewals: row.max_renewals,
        lastRenewedAt: row.last_renewed_at,
        revokedAt: row.revoked_at,
        createdAt: row.created_at
      }),
    encode: (session) => ({
      id: session.id,
      wallet_id: session.walletId,
      token_hash: session.tokenHash,
      source: session.source,
      expires_at: session.expiresAt,
      absolute_expires_at: session.absoluteExpiresAt,
      renewal_count: session.renewalCount,
      max_renewals: session.maxRenewals,
      last_renewed_at: session.lastRenewedAt,
      revoked_at: session.revokedAt,
      created_at: session.createdAt
    })
  }
)

const encodeRow = Schema.encode(SessionFromRow)

const WalletAt = Schema.Struct({ walletId: WalletId, now: Schema.Number })

/**
 * SessionRepo over the `sessions` table. The "active" predicate is spelled exactly as the partial indexes
 * are (`revoked_at IS NULL`, and `source = 'mcp'` as a literal), so the planner uses them.
 */
export const SessionRepoSqlite: Layer.Layer<SessionRepo, never, SqlClient.SqlClient> = Layer.effect(
  SessionRepo,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

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

    return SessionRepo.of({
      // A duplicate id or an unknown wallet violates a constraint: a defect, the caller checks first.
      insert: Effect.fn("SessionRepoSqlite.insert")(function*(session) {
        const row = yield* encodeRow(session)
        yield* sql`INSERT INTO sessions ${sql.insert(row)}`
      }, retryBusy, Effect.orDie),
      findById: Effect.fn("SessionRepoSqlite.findById")(function*(id) {
        return yield* findById(id)
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
      }, retryBusy, Effect.orDie)
    })
  })
)
