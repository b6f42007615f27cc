import Database from "better-sqlite3"
import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer, Option } from "effect"

/**
 * Point reads off a second, read-only connection to the database file, for the lookups every agent request
 * makes (its session row, its wallet row). @effect/sql runs each statement through a semaphore, a prepared-
 * statement cache with TTL, a compiler and a span, which costs more than the lookup itself; and its single
 * connection makes a read wait behind any write transaction. In WAL mode this connection reads the last
 * committed state without waiting for a writer.
 *
 * Only outside a transaction: inside one, a read must see the transaction's own writes, so `pointRead` falls
 * back to the transaction's connection there.
 */
export class SqliteReader extends Context.Tag("@waiaas/adapters/SqliteReader")<SqliteReader, {
  /** The first row `sql` returns for `params`, if any. A failure is a defect, as for the repos' statements. */
  readonly first: (sql: string, params: ReadonlyArray<string | number>) => Effect.Effect<Option.Option<unknown>>
}>() {}

/**
 * A repo's findById: the row of `table` with that primary key, mapped by `fromRow`, off SqliteReader outside
 * a transaction; `inTransaction` (the repo's own statement) inside one.
 */
export const findByIdOutsideTransactions = <Id extends string, Row, A, E, R>(options: {
  readonly reader: SqliteReader["Type"]
  readonly table: "sessions" | "wallets"
  readonly fromRow: (row: Row) => A
  readonly inTransaction: (id: Id) => Effect.Effect<Option.Option<A>, E, R>
}) => {
  const sql = `SELECT * FROM ${options.table} WHERE id = ?`
  return (id: Id) =>
    pointRead(
      Effect.map(options.reader.first(sql, [id]), Option.map((row) => options.fromRow(row as Row))),
      options.inTransaction(id)
    )
}

export const SqliteReaderLive = (filename: string): Layer.Layer<SqliteReader> =>
  Layer.scoped(
    SqliteReader,
    Effect.gen(function*() {
      const db = yield* Effect.acquireRelease(
        Effect.sync(() => new Database(filename, { readonly: true, fileMustExist: true })),
        (db) => Effect.sync(() => db.close())
      )
      // The same patience as the main connection: a checkpoint or recovery may briefly hold the file.
      db.pragma("busy_timeout = 10000")
      // Few distinct statements are ever read through here; each is prepared once.
      const prepared = new Map<string, Database.Statement<Array<string | number>, unknown>>()
      const statementFor = (sql: string) => {
        let statement = prepared.get(sql)
        if (statement === undefined) {
          statement = db.prepare(sql)
          prepared.set(sql, statement)
        }
        return statement
      }
      return SqliteReader.of({
        first: (sql, params) => Effect.sync(() => Option.fromNullable(statementFor(sql).get(...params as Array<string | number>)))
      })
    })
  )

/**
 * `fromReader` outside a transaction, `inTransaction` inside one (whose writes only its own connection sees).
 */
export const pointRead = <A, E, R>(
  fromReader: Effect.Effect<A>,
  inTransaction: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.flatMap(
    Effect.serviceOption(SqlClient.TransactionConnection),
    (transaction) => Option.isSome(transaction) ? inTransaction : fromReader
  )
