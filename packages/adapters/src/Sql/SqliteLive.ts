import { NodeContext } from "@effect/platform-node"
import { SqlClient, SqlError } from "@effect/sql"
import { SqliteClient, SqliteMigrator } from "@effect/sql-sqlite-node"
import { Cause, Effect, Layer, Option, Schedule } from "effect"
import initial from "./migrations/00001_initial.js"
import sessionLifecycle from "./migrations/00002_session_lifecycle.js"
import events from "./migrations/00003_events.js"
import { SqliteReader, SqliteReaderLive } from "./SqliteReader.js"

/**
 * True for SQLite's "database is locked" family (SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, ...): another process
 * holds the write lock, or committed after this transaction's snapshot. Retrying the whole unit helps.
 */
export const isSqliteBusy = (u: unknown): u is SqlError.SqlError =>
  u instanceof SqlError.SqlError && typeof u.cause === "object" && u.cause !== null && "code" in u.cause &&
  typeof u.cause.code === "string" && u.cause.code.startsWith("SQLITE_BUSY")

// Inside a transaction a busy statement arrives as a defect (repo methods have E = never, and @effect/sql
// dies on a failed COMMIT), so both failures and defects count.
const isBusyCause = (cause: Cause.Cause<unknown>): boolean =>
  !Cause.isInterrupted(cause) && [...Cause.failures(cause), ...Cause.defects(cause)].some(isSqliteBusy)

// Five retries after the first failure, 20, 40, 80, 160 and 320 ms apart (jittered).
const firstBusyWait = "20 millis"
const laterBusyWaits = Schedule.exponential("40 millis").pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(4)))

const isSqlError = <E>(e: E): e is Extract<E, SqlError.SqlError> => e instanceof SqlError.SqlError

/**
 * The adapter edge for SQL errors: retries `effect` a few times with backoff while it fails (or dies) with
 * SQLITE_BUSY, then turns any remaining SqlError into a defect, so that no SqlError reaches a domain type.
 *
 * Inside a transaction it does not retry: a statement cannot recover from a stale snapshot on its own, so
 * the error propagates and the outermost `retryBusy` (TransactionSqlite) reruns the whole transaction.
 */
export const retryBusy = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, Exclude<E, SqlError.SqlError>, R> =>
  // Nothing but a catch on the way of a success: this wraps every statement, and nearly all succeed.
  Effect.catchAllCause(effect, (cause) =>
    isBusyCause(cause)
      ? Effect.flatMap(Effect.serviceOption(SqlClient.TransactionConnection), (transaction) =>
        Option.isSome(transaction)
          ? Effect.failCause(cause)
          : Effect.zipRight(Effect.sleep(firstBusyWait), effect).pipe(
            Effect.sandbox,
            Effect.retry({ while: isBusyCause, schedule: laterBusyWaits }),
            Effect.unsandbox
          ))
      : Effect.failCause(cause)).pipe(
      Effect.catchIf(isSqlError, Effect.die)
    ) as Effect.Effect<A, Exclude<E, SqlError.SqlError>, R> // tsc cannot see Exclude<E, Extract<E, X>> is Exclude<E, X>

// better-sqlite3 waits 5 s on a lock by default; a CLI and the daemon may briefly contend, so wait longer.
// foreign_keys is per connection and better-sqlite3 happens to enable it; say so rather than rely on it.
const Pragmas = Layer.effectDiscard(Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`PRAGMA busy_timeout = 10000`
  yield* sql`PRAGMA foreign_keys = ON`
}))

// No schemaDirectory: it would shell out to the sqlite3 CLI. The migrator still asks for NodeContext's
// CommandExecutor/FileSystem/Path services even with fromRecord.
const Migrations = Layer.effectDiscard(
  retryBusy(SqliteMigrator.run({
    loader: SqliteMigrator.fromRecord({
      "00001_initial": initial,
      "00002_session_lifecycle": sessionLifecycle,
      "00003_events": events
    })
  }))
).pipe(Layer.provide(NodeContext.layer))

/**
 * The database at `filename` (WAL mode), with pragmas set and migrations applied before anything uses it,
 * and a read-only connection for hot point reads (SqliteReader), opened once the schema is there.
 *
 * Startup failures (cannot open the file, a migration fails) are defects: the daemon cannot run without
 * its database, nothing can recover from them in-process, and the top level reports the cause and exits.
 */
export const SqliteLive = (
  filename: string
): Layer.Layer<SqlClient.SqlClient | SqliteClient.SqliteClient | SqliteReader> =>
  Migrations.pipe(
    Layer.provide(Pragmas),
    Layer.provideMerge(SqliteClient.layer({ filename })),
    (migrated) => Layer.provideMerge(SqliteReaderLive(filename), migrated),
    Layer.orDie
  )
