import Database from "better-sqlite3"
import { Cause, Context, Effect, Exit, type Fiber, FiberRef, Layer, Option, Schedule } from "effect"

/** What a statement's `?` placeholders take. */
export type SqlParam = string | number | bigint | null

/** A statement as the database ran it: its SQL text and parameters (see `recordingStatements`). */
export type RanStatement = readonly [sql: string, params: ReadonlyArray<SqlParam>]

/**
 * The daemon's SQLite database, straight over better-sqlite3: one connection that writes, and one read-only
 * connection for reads outside transactions. Every statement is synchronous and prepared once.
 *
 * Why not @effect/sql (which still runs the migrations, see SqliteLive): it wraps every statement in a
 * semaphore, a prepared-statement cache with TTL, a compiler and a span, ~30 µs a statement and ~60 µs a
 * transaction on this machine, where the statement itself takes ~5 µs; a provisioning runs a dozen.
 *
 * - Reads inside a transaction run on its connection and see its own writes. Outside one they run on the
 *   read-only connection: the last commit, never waiting for (or seeing) another fiber's open transaction.
 * - A write outside a transaction runs at once in autocommit when no transaction is open; when one is
 *   (another fiber's, suspended mid-way), it waits for it to end rather than join it.
 * - `transaction`: BEGIN IMMEDIATE (the write lock first, so a second process makes it wait in SQLite's
 *   busy handler rather than fail later), COMMIT on success, ROLLBACK on failure, defect or interruption;
 *   nested, a SAVEPOINT. One at a time: the others wait their turn.
 *
 * A failing statement is a defect carrying better-sqlite3's SqliteError: the callers' error types are
 * domain errors only. SQLITE_BUSY (another process held the lock for longer than busy_timeout) is retried
 * with backoff, for a statement outside a transaction on its own, for a transaction as a whole.
 */
export class SqliteDatabase extends Context.Tag("@waiaas/adapters/SqliteDatabase")<SqliteDatabase, {
  /** The rows a query returns. */
  readonly query: <Row>(sql: string, params?: ReadonlyArray<SqlParam>) => Effect.Effect<ReadonlyArray<Row>>
  /** The first row a query returns, if any. */
  readonly queryFirst: <Row>(sql: string, params?: ReadonlyArray<SqlParam>) => Effect.Effect<Option.Option<Row>>
  /** A write (INSERT, UPDATE, DELETE); the number of rows it changed. */
  readonly execute: (sql: string, params?: ReadonlyArray<SqlParam>) => Effect.Effect<number>
  /** A write with a RETURNING clause; the rows it returns. */
  readonly executeReturning: <Row>(sql: string, params?: ReadonlyArray<SqlParam>) => Effect.Effect<ReadonlyArray<Row>>
  /** `effect` as one transaction (a savepoint when nested). */
  readonly transaction: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}>() {}

const hasBusyCode = (u: unknown): boolean =>
  typeof u === "object" && u !== null && "code" in u && typeof u.code === "string" && u.code.startsWith("SQLITE_BUSY")

/**
 * True for SQLite's "database is locked" family (SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, ...): better-sqlite3's
 * error, or one wrapping it as its cause (@effect/sql's SqlError, while migrating).
 */
export const isSqliteBusy = (u: unknown): boolean =>
  hasBusyCode(u) || (typeof u === "object" && u !== null && "cause" in u && hasBusyCode(u.cause))

const isBusyCause = (cause: Cause.Cause<unknown>): boolean =>
  !Cause.isInterrupted(cause) && [...Cause.failures(cause), ...Cause.defects(cause)].some(isSqliteBusy)

// Five retries after the first failure, 20, 40, 80, 160 and 320 ms apart (jittered).
const busyRetries = Schedule.exponential("20 millis").pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(4)))

/**
 * Reruns `effect` a few times with backoff while it fails or dies with SQLITE_BUSY. Only around whole units:
 * a statement outside a transaction, a transaction from its BEGIN.
 */
export const retryBusy = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  // Nothing but a catch on the way of a success: this wraps every unit, and nearly all succeed.
  Effect.catchAllCause(effect, (cause) =>
    isBusyCause(cause)
      ? Effect.zipRight(Effect.sleep("20 millis"), effect).pipe(
        Effect.sandbox,
        Effect.retry({ while: isBusyCause, schedule: busyRetries }),
        Effect.unsandbox
      )
      : Effect.failCause(cause))

/** The transaction a fiber is in: its depth (0 for the outermost), and whether it is still open. */
interface OpenTransaction {
  readonly depth: number
  open: boolean
}

/** Test hook: while set on a fiber, every statement it runs is appended here (see `recordingStatements`). */
const statementLog = FiberRef.unsafeMake<Array<RanStatement> | undefined>(undefined)

/** The statements `effect` runs, in order, BEGIN/COMMIT/SAVEPOINT included; for tests that pin query plans. */
export const recordingStatements = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    const ran: Array<RanStatement> = []
    return Effect.map(Effect.locally(effect, statementLog, ran), (result) => [result, ran] as const)
  })

/** What a statement needs of the fiber running it. */
type AnyFiber = Pick<Fiber.RuntimeFiber<unknown, unknown>, "getFiberRef">
type Use<A> = (statement: Database.Statement<Array<SqlParam>>, params: Array<SqlParam>) => A

/** Prepared statements of one connection, by SQL text. Bounded: a few queries are built with varying shapes. */
const statementCache = (db: Database.Database) => {
  const prepared = new Map<string, Database.Statement<Array<SqlParam>>>()
  return (sql: string) => {
    let statement = prepared.get(sql)
    if (statement === undefined) {
      if (prepared.size >= 1_000) prepared.clear()
      statement = db.prepare<Array<SqlParam>>(sql)
      prepared.set(sql, statement)
    }
    return statement
  }
}

export interface SqliteDatabaseOptions {
  /** How long a statement waits for another process's lock before SQLITE_BUSY (busy_timeout), ms. */
  readonly busyTimeoutMs?: number
}

/**
 * Opens the (already migrated) database file in WAL mode, with busy_timeout and foreign keys on; both
 * connections close with the scope.
 */
export const makeSqliteDatabase = (filename: string, options: SqliteDatabaseOptions = {}) =>
  Effect.gen(function*() {
    const busyTimeoutMs = options.busyTimeoutMs ?? 10_000
    const writer = yield* Effect.acquireRelease(
      Effect.sync(() => new Database(filename)),
      (db) => Effect.sync(() => db.close())
    )
    writer.pragma("journal_mode = WAL")
    writer.pragma(`busy_timeout = ${busyTimeoutMs}`)
    // Per connection; better-sqlite3 happens to enable it, say so rather than rely on it.
    writer.pragma("foreign_keys = ON")
    const reader = yield* Effect.acquireRelease(
      Effect.sync(() => new Database(filename, { readonly: true, fileMustExist: true })),
      (db) => Effect.sync(() => db.close())
    )
    // The same patience as the writer: a checkpoint or recovery may briefly hold the file.
    reader.pragma(`busy_timeout = ${busyTimeoutMs}`)

    const onWriter = statementCache(writer)
    const onReader = statementCache(reader)
    const current = FiberRef.unsafeMake<OpenTransaction | undefined>(undefined)
    const turn = yield* Effect.makeSemaphore(1)

    /** Runs `use` on `sql` prepared on `db`, as the fiber's statement; a throw is a defect. */
    const run = <A>(
      fiber: AnyFiber,
      prepare: (sql: string) => Database.Statement<Array<SqlParam>>,
      sql: string,
      params: ReadonlyArray<SqlParam>,
      use: Use<A>
    ): Effect.Effect<A> => {
      fiber.getFiberRef(statementLog)?.push([sql, params])
      try {
        return Effect.succeed(use(prepare(sql), params as Array<SqlParam>))
      } catch (error) {
        return Effect.die(error)
      }
    }

    const inOpenTransaction = (transaction: OpenTransaction | undefined) => transaction !== undefined && transaction.open

    const read = <A>(use: Use<A>) =>
    (sql: string, params: ReadonlyArray<SqlParam> = []): Effect.Effect<A> =>
      Effect.withFiberRuntime((fiber) =>
        inOpenTransaction(fiber.getFiberRef(current))
          ? run(fiber, onWriter, sql, params, use)
          : retryBusy(Effect.withFiberRuntime<A>((fiber) => run(fiber, onReader, sql, params, use)))
      )

    const write = <A>(use: Use<A>) =>
    (sql: string, params: ReadonlyArray<SqlParam> = []): Effect.Effect<A> =>
      Effect.withFiberRuntime((fiber) => {
        if (inOpenTransaction(fiber.getFiberRef(current))) return run(fiber, onWriter, sql, params, use)
        const alone = Effect.withFiberRuntime<A>((fiber) => run(fiber, onWriter, sql, params, use))
        // Synchronous: nothing can open a transaction between this check and the statement.
        return retryBusy(writer.inTransaction ? turn.withPermits(1)(alone) : alone)
      })

    /** A transaction-control statement, run at once: the error it threw, if any. */
    const control = (fiber: AnyFiber, sql: string): unknown => {
      fiber.getFiberRef(statementLog)?.push([sql, []])
      try {
        onWriter(sql).run()
        return undefined
      } catch (error) {
        return error
      }
    }

    // SQLite may have rolled back already (some errors end the transaction themselves).
    const rollBack = (fiber: AnyFiber) => {
      if (writer.inTransaction) control(fiber, "ROLLBACK")
    }

    // Written without Effect.gen, and with BEGIN/COMMIT made in place: every provisioning runs one, and
    // each layer of combinators costs microseconds once the process has been idle (README: Performance).
    const outermost = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      retryBusy(Effect.uninterruptibleMask((restore) =>
        Effect.zipRight(
          restore(turn.take(1)),
          Effect.withFiberRuntime<A, E, R>((fiber) => {
            const transaction: OpenTransaction = { depth: 0, open: true }
            const notBegun = control(fiber, "BEGIN IMMEDIATE")
            if (notBegun !== undefined) return Effect.zipRight(turn.release(1), Effect.die(notBegun))
            return Effect.flatMap(Effect.exit(restore(Effect.locally(effect, current, transaction))), (exit) => {
              transaction.open = false
              const notCommitted = Exit.isSuccess(exit) ? control(fiber, "COMMIT") : undefined
              if (Exit.isFailure(exit) || notCommitted !== undefined) rollBack(fiber)
              return Effect.zipRight(turn.release(1), notCommitted === undefined ? exit : Effect.die(notCommitted))
            })
          })
        )
      ))

    const nested = <A, E, R>(effect: Effect.Effect<A, E, R>, outer: OpenTransaction): Effect.Effect<A, E, R> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.withFiberRuntime<A, E, R>((fiber) => {
          const transaction: OpenTransaction = { depth: outer.depth + 1, open: true }
          const name = `waiaas_${transaction.depth}`
          const notBegun = control(fiber, `SAVEPOINT ${name}`)
          if (notBegun !== undefined) return Effect.die(notBegun)
          return Effect.flatMap(Effect.exit(restore(Effect.locally(effect, current, transaction))), (exit) => {
            transaction.open = false
            if (Exit.isFailure(exit)) control(fiber, `ROLLBACK TO ${name}`)
            const notReleased = control(fiber, `RELEASE ${name}`)
            return notReleased === undefined ? exit : Effect.die(notReleased)
          })
        })
      )

    return SqliteDatabase.of({
      query: read((statement, params) => statement.all(...params)) as SqliteDatabase["Type"]["query"],
      queryFirst: read((statement, params) => Option.fromNullable(statement.get(...params))) as SqliteDatabase["Type"]["queryFirst"],
      execute: write((statement, params) => statement.run(...params).changes),
      executeReturning: write((statement, params) => statement.all(...params)) as SqliteDatabase["Type"]["executeReturning"],
      transaction: (effect) =>
        Effect.withFiberRuntime((fiber) => {
          const outer = fiber.getFiberRef(current)
          return inOpenTransaction(outer) ? nested(effect, outer!) : outermost(effect)
        })
    })
  })

export const SqliteDatabaseLive = (filename: string, options?: SqliteDatabaseOptions): Layer.Layer<SqliteDatabase> =>
  Layer.scoped(SqliteDatabase, makeSqliteDatabase(filename, options))
