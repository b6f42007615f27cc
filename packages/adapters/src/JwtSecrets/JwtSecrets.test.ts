import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Option, TestClock } from "effect"
import { MemoryStore } from "../MemoryStore.js"
import { SqliteDatabase } from "../Sql/SqliteDatabase.js"
import { SqliteLive } from "../Sql/SqliteLive.js"
import { tempDatabaseFile } from "../testing/TempSqlite.js"
import { inHex, jwtSecretsContract } from "./JwtSecrets.contract.js"
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
    Layer.effectDiscard(Effect.flatMap(SqliteDatabase, (db) =>
      Effect.forEach(rows, ([key, value]) =>
        db.execute("INSERT INTO key_value (key, value, updated_at) VALUES (?, ?, 0)", [key, value]))))
  const startWithSql = (file: string, before: Layer.Layer<never, never, SqliteDatabase> = Layer.empty) =>
    JwtSecretsSqlite.pipe(Layer.provide(before), Layer.provideMerge(SqliteLive(file)))
  const storedRows = Effect.flatMap(SqliteDatabase, (db) =>
    db.query<{ readonly key: string; readonly value: string; readonly updated_at: number }>(
      "SELECT key, value, updated_at FROM key_value ORDER BY key"
    ))

  it.scoped("stores a new secret in key_value as JSON {secret: hex, createdAt}", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_700_000_000_500)
      const file = yield* tempDatabaseFile
      yield* Effect.gen(function*() {
        const { current } = yield* Effect.flatMap(JwtSecrets, (s) => s.state)
        const rows = yield* storedRows
        expect(rows.map((row) => row.key)).toEqual(["jwt_secret_current"])
        expect(JSON.parse(rows[0]!.value)).toEqual({
          secret: Buffer.from(current).toString("hex"),
          createdAt: 1_700_000_000
        })
      }).pipe(Effect.provide(startWithSql(file)))
    }))

  it.scoped("loads the current and previous secrets already stored; the previous was retired when the current was made", () =>
    Effect.gen(function*() {
      const file = yield* tempDatabaseFile
      const before = seed([
        ["jwt_secret_current", JSON.stringify({ secret: hexA, createdAt: 100 })],
        ["jwt_secret_previous", JSON.stringify({ secret: hexB, createdAt: 50 })]
      ])
      const state = yield* Effect.flatMap(JwtSecrets, (s) => s.state).pipe(Effect.provide(startWithSql(file, before)))
      expect(inHex(state)).toEqual({ current: hexA, previous: Option.some({ secret: hexB, rotatedAt: 100 }) })
    }))

  it.scoped("rotate rewrites both rows: the new current made now, the old current row moved to previous as it was", () =>
    Effect.gen(function*() {
      const file = yield* tempDatabaseFile
      const before = seed([
        ["jwt_secret_current", JSON.stringify({ secret: hexA, createdAt: 100 })],
        ["jwt_secret_previous", JSON.stringify({ secret: hexB, createdAt: 50 })]
      ])
      yield* Effect.gen(function*() {
        const secrets = yield* JwtSecrets
        yield* secrets.rotate(5_000)
        const rows = yield* storedRows
        const { current } = yield* secrets.state
        expect(rows.map((row) => [row.key, JSON.parse(row.value), row.updated_at])).toEqual([
          ["jwt_secret_current", { secret: Buffer.from(current).toString("hex"), createdAt: 5_000 }, 5_000],
          ["jwt_secret_previous", { secret: hexA, createdAt: 100 }, 5_000]
        ])
      }).pipe(Effect.provide(startWithSql(file, before)))
    }))

  it.scoped("rotate retires the stored current secret, even if another process rotated since this one started", () =>
    Effect.gen(function*() {
      const file = yield* tempDatabaseFile
      yield* Effect.gen(function*() {
        const secrets = yield* JwtSecrets
        // Another process's rotation, written behind this instance's back.
        yield* Effect.flatMap(SqliteDatabase, (db) =>
          db.execute("UPDATE key_value SET value = ? WHERE key = 'jwt_secret_current'", [
            JSON.stringify({ secret: hexA, createdAt: 100 })
          ]))
        yield* secrets.rotate(200)
        expect(inHex(yield* secrets.state).previous).toEqual(Option.some({ secret: hexA, rotatedAt: 200 }))
      }).pipe(Effect.provide(startWithSql(file)))
    }))

  it.scoped("serves the secrets from memory, not from a query per call", () =>
    Effect.gen(function*() {
      const file = yield* tempDatabaseFile
      yield* Effect.gen(function*() {
        const secrets = yield* JwtSecrets
        yield* secrets.rotate(10)
        const before = yield* secrets.state
        yield* Effect.flatMap(SqliteDatabase, (db) => db.execute("DELETE FROM key_value"))
        expect(inHex(yield* secrets.state)).toEqual(inHex(before))
      }).pipe(Effect.provide(startWithSql(file)))
    }))

  it.scoped("a malformed stored secret stops the start with a defect", () =>
    Effect.gen(function*() {
      const file = yield* tempDatabaseFile
      for (
        const rows of [
          [["jwt_secret_current", "not json"]],
          [["jwt_secret_current", JSON.stringify({ secret: "abcd", createdAt: 1 })]],
          [
            ["jwt_secret_current", JSON.stringify({ secret: hexA, createdAt: 100 })],
            ["jwt_secret_previous", JSON.stringify({ secret: hexB })]
          ]
        ] as const
      ) {
        const exit = yield* Effect.exit(Effect.provide(JwtSecrets, startWithSql(file, seed(rows))))
        expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
        const clear = Effect.flatMap(SqliteDatabase, (db) => db.execute("DELETE FROM key_value"))
        yield* Effect.provide(clear, SqliteLive(file))
      }
    }))
})
