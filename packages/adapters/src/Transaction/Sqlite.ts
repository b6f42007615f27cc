import { Transaction } from "@waiaas/domain"
import { Effect, Layer } from "effect"
import { SqliteDatabase } from "../Sql/SqliteDatabase.js"
import { withAfterCommit } from "./AfterCommit.js"

/**
 * `atomically` is a SqliteDatabase transaction: BEGIN IMMEDIATE/COMMIT, rolled back on failure, defect or
 * interruption, a SAVEPOINT when nested, rerun as a whole after SQLITE_BUSY. What `afterCommit` defers
 * inside it runs once the outermost transaction has committed.
 */
export const TransactionSqlite: Layer.Layer<Transaction, never, SqliteDatabase> = Layer.effect(
  Transaction,
  Effect.map(SqliteDatabase, (db) => Transaction.of({ atomically: (effect) => withAfterCommit(db.transaction, effect) }))
)
