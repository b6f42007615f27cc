import { Effect } from "effect"
import { type RanStatement, recordingStatements, SqliteDatabase } from "../Sql/SqliteDatabase.js"

// For tests that pin SQLite query plans: the statements an effect runs, and the plan of one of them.

/** Every statement `effect` runs, but transaction control (BEGIN, COMMIT, SAVEPOINT, …): SQL text and parameters. */
export const statementsOf = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(
    recordingStatements(effect),
    ([, ran]) => ran.filter(([sql]) => !/^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/i.test(sql))
  )

/** `EXPLAIN QUERY PLAN` of a statement, one line per step. */
export const planOf = ([sql, params]: RanStatement) =>
  Effect.flatMap(SqliteDatabase, (db) =>
    Effect.map(
      db.query<{ readonly detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, params),
      (rows) => rows.map((row) => row.detail).join("\n")
    ))
