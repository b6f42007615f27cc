import { NodeContext } from "@effect/platform-node"
import { SqliteClient, SqliteMigrator } from "@effect/sql-sqlite-node"
import { Effect, Layer } from "effect"
import initial from "./migrations/00001_initial.js"
import sessionLifecycle from "./migrations/00002_session_lifecycle.js"
import events from "./migrations/00003_events.js"
import { retryBusy, SqliteDatabase, SqliteDatabaseLive } from "./SqliteDatabase.js"

/** Every migration, by name; @effect/sql's migrator records the applied ones in `effect_sql_migrations`. */
const migrations = {
  "00001_initial": initial,
  "00002_session_lifecycle": sessionLifecycle,
  "00003_events": events
}

/**
 * Applies the migrations not yet applied, over a connection of @effect/sql's own that is closed again before
 * the daemon's connections open (SqliteDatabase): two writers in one process would only wait on each other.
 * No schemaDirectory (it would shell out to the sqlite3 CLI); the migrator still asks for NodeContext's
 * services even with fromRecord.
 */
const migrate = (filename: string) =>
  retryBusy(SqliteMigrator.run({ loader: SqliteMigrator.fromRecord(migrations) })).pipe(
    Effect.provide(SqliteClient.layer({ filename })),
    Effect.provide(NodeContext.layer),
    Effect.scoped
  )

/**
 * The database at `filename`: migrations applied, then opened for the daemon (SqliteDatabase: WAL mode,
 * busy_timeout, foreign keys, a read-only connection beside the writer).
 *
 * Startup failures (cannot open the file, a migration fails) are defects: the daemon cannot run without
 * its database, nothing can recover from them in-process, and the top level reports the cause and exits.
 */
export const SqliteLive = (filename: string): Layer.Layer<SqliteDatabase> =>
  SqliteDatabaseLive(filename).pipe(
    Layer.provide(Layer.effectDiscard(migrate(filename))),
    Layer.orDie
  )
