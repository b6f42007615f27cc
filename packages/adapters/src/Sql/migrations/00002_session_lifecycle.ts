import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Session lifecycle: each session keeps its token lifetime (`ttl`, kept across renewals) and the time the
 * expiry sweeper handled it (`expired_at`). The indexes let every SessionRepo query read a range of an index
 * instead of the whole table, however much revoked or expired history piles up.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  yield* sql`ALTER TABLE sessions ADD COLUMN ttl INTEGER NOT NULL DEFAULT 0`
  // The lifetime of the current token. Renewal did not exist before this migration, so this is
  // expires_at - created_at for every existing row; COALESCE only keeps it right for a renewed one.
  yield* sql`UPDATE sessions SET ttl = MAX(0, expires_at - COALESCE(last_renewed_at, created_at))`
  // Left NULL on existing rows, sessions that already expired included: the sweeper handles them once
  // (removes a stale MCP token file, records SESSION_EXPIRED), like any other.
  yield* sql`ALTER TABLE sessions ADD COLUMN expired_at INTEGER`

  // SessionRepo.list, newest first, read off the index in order so LIMIT stops early; the wallet's one also
  // serves the foreign key's child lookups, so it replaces sessions_by_wallet (same leading column).
  yield* sql`DROP INDEX sessions_by_wallet`
  yield* sql`CREATE INDEX sessions_by_wallet_newest_first ON sessions (wallet_id, created_at DESC, id DESC)`
  yield* sql`CREATE INDEX sessions_newest_first ON sessions (created_at DESC, id DESC)`
  // latestMcpPerWallet: one index seek per wallet; also list({ walletId, source: "mcp" }).
  // Queries must spell `source = 'mcp'` as a literal for the partial index to apply.
  yield* sql`
    CREATE INDEX sessions_mcp_by_wallet_newest_first ON sessions (wallet_id, created_at DESC, id DESC)
    WHERE source = 'mcp'`
  // revokeAll and listActiveMcp: a range over the unrevoked sessions that expire after now.
  yield* sql`CREATE INDEX sessions_active_by_expiry ON sessions (expires_at) WHERE revoked_at IS NULL`
  // findDueForExpiry: only sessions the sweeper has not handled yet are indexed, in the order it takes them.
  yield* sql`
    CREATE INDEX sessions_due_for_expiry ON sessions (expires_at, id)
    WHERE revoked_at IS NULL AND expired_at IS NULL`
})
