import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Layer, type Scope } from "effect"
import type { SqliteDatabase } from "../Sql/SqliteDatabase.js"
import { SqliteLive } from "../Sql/SqliteLive.js"

/**
 * The path of a database file in a fresh temp directory, removed with the scope. A real file (never
 * :memory:) so tests run in WAL mode like the daemon; one per test, because tests run concurrently.
 */
export const tempDatabaseFile: Effect.Effect<string, never, Scope.Scope> = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const dir = yield* fs.makeTempDirectoryScoped({ prefix: "waiaas-test-" })
  return `${dir}/waiaas.sqlite`
}).pipe(Effect.provide(NodeFileSystem.layer), Effect.orDie)

/** A migrated database in its own temp file; every build of this layer is a new, empty database. */
export const TempSqliteLive: Layer.Layer<SqliteDatabase> = Layer.unwrapScoped(Effect.map(tempDatabaseFile, SqliteLive))
