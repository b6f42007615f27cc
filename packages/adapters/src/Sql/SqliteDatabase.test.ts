import { describe, expect, it } from "@effect/vitest"
import { SessionRepo, Transaction, WalletRepo } from "@waiaas/domain"
import { Cause, Deferred, Effect, Exit, Fiber, Layer, Option } from "effect"
import { SessionRepoSqlite } from "../SessionRepo/Sqlite.js"
import { makeSession, makeWallet, walletId } from "../testing/fixtures.js"
import { TempSqliteLive } from "../testing/TempSqlite.js"
import { TransactionSqlite } from "../Transaction/Sqlite.js"
import { WalletRepoSqlite } from "../WalletRepo/Sqlite.js"
import { recordingStatements, SqliteDatabase } from "./SqliteDatabase.js"

const Repos = Layer.mergeAll(TransactionSqlite, WalletRepoSqlite, SessionRepoSqlite).pipe(Layer.provide(TempSqliteLive))

const setValue = (key: string, value: string) =>
  Effect.flatMap(SqliteDatabase, (db) =>
    db.execute("INSERT INTO key_value (key, value, updated_at) VALUES (?, ?, 0)", [key, value]))

const valueOf = (key: string) =>
  Effect.flatMap(SqliteDatabase, (db) =>
    Effect.map(db.queryFirst<{ readonly value: string }>("SELECT value FROM key_value WHERE key = ?", [key]), Option.map((r) => r.value)))

const keys = Effect.flatMap(SqliteDatabase, (db) =>
  Effect.map(db.query<{ readonly key: string }>("SELECT key FROM key_value ORDER BY key"), (rows) => rows.map((r) => r.key)))

/** A transaction that writes `key`, then waits for `release` before it ends (`fail`: by failing). */
const openTransaction = (key: string, fail = false) =>
  Effect.gen(function*() {
    const db = yield* SqliteDatabase
    const written = yield* Deferred.make<void>()
    const release = yield* Deferred.make<void>()
    const fiber = yield* db.transaction(Effect.gen(function*() {
      yield* setValue(key, "from the transaction")
      yield* Deferred.succeed(written, undefined)
      yield* Deferred.await(release)
      if (fail) return yield* Effect.fail("rolled back" as const)
    })).pipe(Effect.exit, Effect.fork)
    yield* Deferred.await(written)
    return { end: Effect.zipRight(Deferred.succeed(release, undefined), Fiber.join(fiber)) }
  })

describe("SqliteDatabase", () => {
  it.live("a write outside a transaction waits for another fiber's open one, and never joins it", () =>
    Effect.gen(function*() {
      const { end } = yield* openTransaction("inside", true)
      const outside = yield* Effect.fork(setValue("outside", "alone"))
      yield* Effect.sleep("30 millis")
      expect(outside.unsafePoll()).toBeNull() // still waiting
      const exit = yield* end
      expect(Exit.isFailure(exit)).toBe(true)
      yield* Fiber.join(outside)
      // The rollback took only the transaction's own write.
      expect(yield* keys).toEqual(["outside"])
    }).pipe(Effect.provide(TempSqliteLive)))

  it.live("a read outside a transaction sees the last commit at once, not another fiber's open writes", () =>
    Effect.gen(function*() {
      yield* setValue("committed", "yes")
      const { end } = yield* openTransaction("pending")
      expect(yield* keys.pipe(Effect.timeout("2 seconds"))).toEqual(["committed"])
      yield* end
      expect(yield* keys).toEqual(["committed", "pending"])
    }).pipe(Effect.provide(TempSqliteLive)))

  it.effect("a nested transaction is a savepoint: its failure undoes only its own writes", () =>
    Effect.gen(function*() {
      const db = yield* SqliteDatabase
      const [, ran] = yield* recordingStatements(db.transaction(Effect.gen(function*() {
        yield* setValue("outer", "1")
        const inner = yield* Effect.exit(db.transaction(Effect.zipRight(setValue("inner", "2"), Effect.fail("no" as const))))
        expect(Exit.isFailure(inner)).toBe(true)
        yield* db.transaction(setValue("second inner", "3"))
      })))
      expect(yield* keys).toEqual(["outer", "second inner"])
      expect(ran.map(([sql]) => sql.split(" ")[0]).filter((word) => word !== "INSERT")).toEqual([
        "BEGIN",
        "SAVEPOINT",
        "ROLLBACK",
        "RELEASE",
        "SAVEPOINT",
        "RELEASE",
        "COMMIT"
      ])
    }).pipe(Effect.provide(TempSqliteLive)))

  it.live("an interrupted transaction is rolled back, and the next one runs", () =>
    Effect.gen(function*() {
      const db = yield* SqliteDatabase
      const written = yield* Deferred.make<void>()
      const fiber = yield* db.transaction(Effect.gen(function*() {
        yield* setValue("interrupted", "x")
        yield* Deferred.succeed(written, undefined)
        return yield* Effect.never
      })).pipe(Effect.fork)
      yield* Deferred.await(written)
      yield* Fiber.interrupt(fiber)
      yield* db.transaction(setValue("next", "y"))
      expect(yield* keys).toEqual(["next"])
    }).pipe(Effect.provide(TempSqliteLive)))

  it.effect("a failing statement is a defect carrying SQLite's error; the transaction around it rolls back", () =>
    Effect.gen(function*() {
      const db = yield* SqliteDatabase
      const exit = yield* Effect.exit(db.transaction(Effect.zipRight(
        setValue("first", "1"),
        setValue("first", "again") // primary key
      )))
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      const defect = Exit.isFailure(exit) ? [...Cause.defects(exit.cause)][0] : undefined
      expect((defect as { code?: string }).code).toBe("SQLITE_CONSTRAINT_PRIMARYKEY")
      expect(yield* valueOf("first")).toEqual(Option.none())
    }).pipe(Effect.provide(TempSqliteLive)))
})

// The repos' point reads (WalletRepo.findById, SessionRepo.findById) follow the same rules.
describe("repository point reads", () => {
  it.effect("inside a transaction, see the transaction's own uncommitted rows", () =>
    Effect.gen(function*() {
      const wallets = yield* WalletRepo
      const sessions = yield* SessionRepo
      const wallet = makeWallet(1)
      const session = makeSession(2, wallet.id)
      const seen = yield* (yield* Transaction).atomically(Effect.gen(function*() {
        yield* wallets.insert(wallet)
        yield* sessions.insert(session)
        return [yield* wallets.findById(wallet.id), yield* sessions.findById(session.id)] as const
      }))
      expect(seen).toEqual([Option.some(wallet), Option.some(session)])
    }).pipe(Effect.provide(Repos)))

  it.live("outside one, read the last commit without waiting for a writer's open transaction", () =>
    Effect.gen(function*() {
      const wallets = yield* WalletRepo
      const sessions = yield* SessionRepo
      const committed = makeWallet(1)
      yield* wallets.insert(committed)
      const pending = makeWallet(2)
      const written = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const writer = yield* (yield* Transaction).atomically(Effect.gen(function*() {
        yield* wallets.insert(pending)
        yield* sessions.insert(makeSession(3, pending.id))
        yield* Deferred.succeed(written, undefined)
        yield* Deferred.await(release)
      })).pipe(Effect.fork)
      yield* Deferred.await(written)
      const during = yield* Effect.all([wallets.findById(committed.id), wallets.findById(pending.id)]).pipe(
        Effect.timeout("2 seconds")
      )
      expect(during).toEqual([Option.some(committed), Option.none()])
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(writer)
      expect(yield* wallets.findById(pending.id)).toEqual(Option.some(pending))
      expect(Option.map(yield* sessions.findById(makeSession(3, pending.id).id), (s) => s.walletId)).toEqual(
        Option.some(walletId(2))
      )
    }).pipe(Effect.provide(Repos)))
})
