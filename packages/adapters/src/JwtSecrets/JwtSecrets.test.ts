import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Option, TestClock } from "effect"
import { MemoryStore } from "../MemoryStore.js"
import { SqliteLive } from "../Sql/SqliteLive.js"
import { tempDatabaseFile } from "../testing/TempSqlite.js"
import { jwtSecretsContract } from "./JwtSecrets.contract.js"
import { JwtSecrets } from "./JwtSecrets.js"
import { JwtSecretsMemory } from "./Memory.js"
import { JwtSecretsSqlite } from "./Sqlite.js"

jwtSecretsContract(
  "memory",
  Effect.map(Layer.build(MemoryStore.layer), (store) =>
    JwtSecretsMemory.pipe(Layer.provide(Layer.succeedContext(store))))
)
jwtSecretsContract(
  "sqlite",
  Effect.map(tempDatabaseFile, (file) => JwtSecretsSqlite.pipe(Layer.provide(SqliteLive(file))))
)

describe("JwtSecretsSqlite storage", () => {
  const hexA = "11".repeat(32)
  const hexB = "22".repeat(32)
  const seed = (rows: ReadonlyArray<readonly [key: string, value: string]>) =>
    Layer.effectDiscard(Effect.flatMap(SqlClient.SqlClient, (sql) =>
      Effect.forEach(rows, ([key, value]) =>
        sql`INSERT INTO key_value (key, value, updated_at) VALUES (${key}, ${value}, 0)`))).pipe(Layer.orDie)
  const startWithSql = (file: string, before: Layer.Layer<never, never, SqlClient.SqlClient> = Layer.empty) =>
    JwtSecretsSqlite.pipe(Layer.provide(before), Layer.provideMerge(SqliteLive(file)))

  it.scoped("stores a new secret in key_value as JSON {secret: hex, createdAt}", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_700_000_000_500)
      const file = yield* tempDatabaseFile
      yield* Effect.gen(function*() {
        const current = yield* Effect.flatMap(JwtSecrets, (s) => s.current)
        const rows = yield* Effect.flatMap(SqlClient.SqlClient, (sql) =>
          sql<{ readonly key: string; readonly value: string }>`SELECT key, value FROM key_value`)
        expect(rows.map((row) => row.key)).toEqual(["jwt_secret_current"])
        expect(JSON.parse(rows[0]!.value)).toEqual({
          secret: Buffer.from(current).toString("hex"),
          createdAt: 1_700_000_000
        })
      }).pipe(Effect.provide(startWithSql(file)))
    }))

  it.scoped("loads the current and previous secrets already stored", () =>
    Effect.gen(function*() {
      const file = yield* tempDatabaseFile
      const before = seed([
        ["jwt_secret_current", JSON.stringify({ secret: hexA, createdAt: 100 })],
        ["jwt_secret_previous", JSON.stringify({ secret: hexB, createdAt: 50 })]
      ])
      const secrets = yield* Effect.provide(JwtSecrets, startWithSql(file, before))
      expect(Buffer.from(yield* secrets.current).toString("hex")).toBe(hexA)
      const previous = Option.map(yield* secrets.previous, (bytes) => Buffer.from(bytes).toString("hex"))
      expect(previous).toEqual(Option.some(hexB))
    }))

  it.scoped("serves the secret from memory, not from a query per call", () =>
    Effect.gen(function*() {
      const file = yield* tempDatabaseFile
      yield* Effect.gen(function*() {
        const secrets = yield* JwtSecrets
        const before = yield* secrets.current
        yield* Effect.flatMap(SqlClient.SqlClient, (sql) => sql`DELETE FROM key_value`)
        expect(yield* secrets.current).toEqual(before)
      }).pipe(Effect.provide(startWithSql(file)))
    }))

  it.scoped("a malformed stored secret stops the start with a defect", () =>
    Effect.gen(function*() {
      const file = yield* tempDatabaseFile
      for (const value of ["not json", JSON.stringify({ secret: "abcd", createdAt: 1 })]) {
        const before = seed([["jwt_secret_current", value]])
        const exit = yield* Effect.exit(Effect.provide(JwtSecrets, startWithSql(file, before)))
        expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
        const clear = Effect.flatMap(SqlClient.SqlClient, (sql) => sql`DELETE FROM key_value`)
        yield* Effect.provide(clear, SqliteLive(file))
      }
    }))
})
