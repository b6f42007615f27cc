import { SqlClient } from "@effect/sql"
import { Transaction } from "@waiaas/domain"
import { Effect, Layer } from "effect"
import { retryBusy } from "../Sql/SqliteLive.js"
import { withAfterCommit } from "./AfterCommit.js"

/**
 * `atomically` is `sql.withTransaction`: BEGIN/COMMIT, rolled back on failure, defect or interruption, and
 * a SAVEPOINT when nested. A transaction that hits SQLITE_BUSY is rerun as a whole (it was rolled back).
 *
 * Its first statement takes the database's write lock, as BEGIN IMMEDIATE would (which @effect/sql cannot
 * issue): while another process (a CLI) writes, SQLite then waits for it (busy_timeout), whereas a
 * transaction that reads first fails at once with SQLITE_BUSY when it comes to write, and under a steady
 * writer could exhaust its retries.
 *
 * What `afterCommit` defers inside it runs once the outermost transaction has committed.
 */
export const TransactionSqlite: Layer.Layer<Transaction, never, SqlClient.SqlClient> = Layer.effect(
  Transaction,
  Effect.map(SqlClient.SqlClient, (sql) => {
    // Writes nothing, but a write statement takes the write lock even when no row matches.
    const takeWriteLock = sql`UPDATE key_value SET updated_at = updated_at WHERE 0`
    return Transaction.of({
      atomically: (effect) =>
        withAfterCommit((attempt) => retryBusy(sql.withTransaction(Effect.zipRight(takeWriteLock, attempt))), effect)
    })
  })
)
