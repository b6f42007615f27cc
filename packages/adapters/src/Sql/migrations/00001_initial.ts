import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * The first schema. STRICT tables, so a non-integer time or a stray type is refused rather than stored;
 * every time column is whole epoch seconds.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  yield* sql`
    CREATE TABLE wallets (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      chain TEXT NOT NULL CHECK (chain IN ('solana', 'ethereum')),
      network TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('ACTIVE', 'TERMINATED')),
      server_name TEXT UNIQUE,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    ) STRICT`
  // WalletRepo.list: newest first, read straight off the index.
  yield* sql`CREATE INDEX wallets_newest_first ON wallets (created_at DESC, id DESC)`

  yield* sql`
    CREATE TABLE sessions (
      id TEXT PRIMARY KEY,
      wallet_id TEXT NOT NULL REFERENCES wallets (id),
      token_hash TEXT NOT NULL,
      source TEXT NOT NULL CHECK (source IN ('api', 'mcp')),
      expires_at INTEGER NOT NULL,
      absolute_expires_at INTEGER NOT NULL,
      renewal_count INTEGER NOT NULL DEFAULT 0,
      max_renewals INTEGER NOT NULL,
      last_renewed_at INTEGER,
      revoked_at INTEGER,
      created_at INTEGER NOT NULL
    ) STRICT`
  // Listing a wallet's sessions, and the foreign key's child lookups.
  yield* sql`CREATE INDEX sessions_by_wallet ON sessions (wallet_id, created_at)`
  // countActive and revokeAllForWallet: only unrevoked rows are indexed, so revoked history never slows them.
  yield* sql`CREATE INDEX sessions_active_by_wallet ON sessions (wallet_id, expires_at) WHERE revoked_at IS NULL`
  // findActiveMcp: at most a handful of rows per wallet. The query must spell `source = 'mcp'` as a literal
  // (not a bound parameter), or SQLite cannot prove the partial index applies.
  yield* sql`
    CREATE INDEX sessions_active_mcp_by_wallet ON sessions (wallet_id, expires_at)
    WHERE revoked_at IS NULL AND source = 'mcp'`

  yield* sql`
    CREATE TABLE key_value (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    ) STRICT`
})
