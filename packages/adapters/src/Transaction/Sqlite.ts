import { SqlClient } from "@effect/sql"
import { Transaction } from "@waiaas/domain"
import { Effect, Layer } from "effect"
import { retryBusy } from "../Sql/SqliteLive.js"

/**
 * `atomically` is `sql.withTransaction`: BEGIN/COMMIT, rolled back on failure, defect or interruption, and
 * a SAVEPOINT when nested. A transaction that hits SQLITE_BUSY is rerun as a whole (it was rolled back).
 */
export const TransactionSqlite: Layer.Layer<Transaction, never, SqlClient.SqlClient> = Layer.effect(
  Transaction,
  Effect.map(SqlClient.SqlClient, (sql) =>
    Transaction.of({
      atomically: (effect) => retryBusy(sql.withTransaction(effect))
    }))
)
