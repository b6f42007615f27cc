import { SqlClient, Statement } from "@effect/sql"
import { Effect } from "effect"

// For tests that pin SQLite query plans: the statements an effect runs, and the plan of one of them.

/** Every statement `effect` runs through @effect/sql, compiled: the SQL text and its parameters. */
export const statementsOf = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const compiled: Array<readonly [string, ReadonlyArray<unknown>]> = []
    yield* effect.pipe(Statement.withTransformer((statement) => {
      compiled.push(statement.compile())
      return Effect.succeed(statement)
    }))
    return compiled
  })

/** `EXPLAIN QUERY PLAN` of a compiled statement, one line per step. */
export const planOf = ([query, params]: readonly [string, ReadonlyArray<unknown>]) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql.unsafe<{ readonly detail: string }>(`EXPLAIN QUERY PLAN ${query}`, params),
      (rows) => rows.map((row) => row.detail).join("\n")
    ))
