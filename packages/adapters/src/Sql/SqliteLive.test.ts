import { NodeContext } from "@effect/platform-node"
import { SqlClient, SqlError } from "@effect/sql"
import { SqliteClient, SqliteMigrator } from "@effect/sql-sqlite-node"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Context, Effect, Exit, Fiber, Layer, Ref } from "effect"
import { tempDatabaseFile } from "../testing/TempSqlite.js"
import initial from "./migrations/00001_initial.js"
import { isSqliteBusy, retryBusy, SqliteLive } from "./SqliteLive.js"

const sqlOf = (file: string) => Effect.map(Layer.build(SqliteLive(file)), Context.get(SqlClient.SqlClient))

const sqliteError = (code: string) =>
  new SqlError.SqlError({ cause: Object.assign(new Error(code), { code }), message: "Failed to execute statement" })

/** An effect that runs `failure` the first `failures` times, then succeeds; and its attempt count. */
const flaky = (failures: number, failure: Effect.Effect<never, SqlError.SqlError>) =>
  Effect.gen(function*() {
    const attempts = yield* Ref.make(0)
    const effect = Effect.flatMap(
      Ref.updateAndGet(attempts, (n) => n + 1),
      (n) => n <= failures ? failure : Effect.succeed("ok")
    )
    return { effect, attempts: Ref.get(attempts) }
  })

const busy = Effect.fail(sqliteError("SQLITE_BUSY"))

const isDefect = <A, E>(exit: Exit.Exit<A, E>, predicate: (defect: unknown) => boolean) =>
  Exit.isFailure(exit) && Cause.isDie(exit.cause) && [...Cause.defects(exit.cause)].some(predicate)

describe("SqliteLive", () => {
  it.scoped("opens the file in WAL mode with busy_timeout and foreign keys set", () =>
    Effect.gen(function*() {
      const sql = yield* sqlOf(yield* tempDatabaseFile)
      expect(yield* sql`PRAGMA journal_mode`).toEqual([{ journal_mode: "wal" }])
      expect(yield* sql`PRAGMA busy_timeout`).toEqual([{ timeout: 10_000 }])
      expect(yield* sql`PRAGMA foreign_keys`).toEqual([{ foreign_keys: 1 }])
    }))

  it.scoped("applies every migration once, and keeps the data across a reopen", () =>
    Effect.gen(function*() {
      const file = yield* tempDatabaseFile
      const first = yield* sqlOf(file)
      const objects = yield* first<{ readonly name: string }>`
        SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' ORDER BY name`
      expect(objects.map((o) => o.name)).toEqual([
        "effect_sql_migrations",
        "events",
        "key_value",
        "sessions",
        "sessions_active_by_expiry",
        "sessions_active_by_wallet",
        "sessions_active_mcp_by_wallet",
        "sessions_by_wallet_newest_first",
        "sessions_due_for_expiry",
        "sessions_mcp_by_wallet_newest_first",
        "sessions_newest_first",
        "wallets",
        "wallets_newest_first"
      ])
      yield* first`INSERT INTO key_value (key, value, updated_at) VALUES ('k', 'v', 1)`

      const second = yield* sqlOf(file)
      expect(yield* second`SELECT migration_id, name FROM effect_sql_migrations ORDER BY migration_id`).toEqual([
        { migration_id: 1, name: "initial" },
        { migration_id: 2, name: "session_lifecycle" },
        { migration_id: 3, name: "events" }
      ])
      expect(yield* second`SELECT value FROM key_value WHERE key = 'k'`).toEqual([{ value: "v" }])
    }))

  it.scoped("00002 gives existing sessions their ttl (expires_at - created_at) and leaves them for the sweeper", () =>
    Effect.gen(function*() {
      const file = yield* tempDatabaseFile
      // A database as the previous release left it: only the initial migration.
      const old = yield* Layer.build(SqliteClient.layer({ filename: file }).pipe(Layer.orDie))
      yield* SqliteMigrator.run({ loader: SqliteMigrator.fromRecord({ "00001_initial": initial }) }).pipe(
        Effect.provide(old),
        Effect.provide(NodeContext.layer),
        Effect.orDie
      )
      const oldSql = Context.get(old, SqlClient.SqlClient)
      yield* oldSql`INSERT INTO wallets (id, name, chain, network, status, created_at, updated_at)
                    VALUES ('w', 'w', 'solana', 'devnet', 'ACTIVE', 1, 1)`
      const insertSession = (id: string, expiresAt: number, lastRenewedAt: number | null, revokedAt: number | null) =>
        oldSql`INSERT INTO sessions (id, wallet_id, token_hash, source, expires_at, absolute_expires_at,
                 max_renewals, last_renewed_at, revoked_at, created_at)
               VALUES (${id}, 'w', 'h', 'api', ${expiresAt}, 99999, 12, ${lastRenewedAt}, ${revokedAt}, 1000)`
      yield* insertSession("plain", 1_600, null, null)
      yield* insertSession("renewed", 2_500, 2_000, null)
      yield* insertSession("revoked", 1_300, null, 1_100)

      const sql = yield* sqlOf(file)
      expect(yield* sql`SELECT id, ttl, expired_at FROM sessions ORDER BY id`).toEqual([
        { id: "plain", ttl: 600, expired_at: null },
        { id: "renewed", ttl: 500, expired_at: null },
        { id: "revoked", ttl: 300, expired_at: null }
      ])
      expect(yield* sql`SELECT id FROM sessions WHERE revoked_at IS NULL AND expired_at IS NULL AND expires_at <= 2000`)
        .toEqual([{ id: "plain" }])
    }))

  it.scoped("the events table is STRICT, with '{}' as the default details", () =>
    Effect.gen(function*() {
      const sql = yield* sqlOf(yield* tempDatabaseFile)
      yield* sql`INSERT INTO events (id, type, at) VALUES ('e1', 'SECRET_ROTATED', 5)`
      expect(yield* sql`SELECT * FROM events`).toEqual([
        { id: "e1", type: "SECRET_ROTATED", wallet_id: null, session_id: null, at: 5, details: "{}" }
      ])
      for (const at of [1.5, "soon"]) {
        const exit = yield* Effect.exit(sql`INSERT INTO events (id, type, at) VALUES ('e2', 'SECRET_ROTATED', ${at})`)
        expect(Exit.isFailure(exit)).toBe(true)
      }
      expect(Exit.isFailure(yield* Effect.exit(sql`INSERT INTO events (id, type, at) VALUES ('e1', 'X', 6)`))).toBe(true)
    }))

  it.scoped("the schema refuses unknown chains, statuses and sources, non-integer times and orphan sessions", () =>
    Effect.gen(function*() {
      const sql = yield* sqlOf(yield* tempDatabaseFile)
      const insertWallet = (chain: string, status: string, createdAt: unknown) =>
        sql`INSERT INTO wallets (id, name, chain, network, status, created_at, updated_at)
            VALUES (${`w-${chain}-${status}-${String(createdAt)}`}, 'w', ${chain}, 'devnet', ${status}, ${createdAt}, 1)`
      const insertSession = (walletId: string, source: string) =>
        sql`INSERT INTO sessions
              (id, wallet_id, token_hash, source, expires_at, absolute_expires_at, max_renewals, created_at)
            VALUES (${`s-${walletId}-${source}`}, ${walletId}, 'h', ${source}, 2, 3, 1, 1)`

      expect(Exit.isSuccess(yield* Effect.exit(insertWallet("solana", "ACTIVE", 1)))).toBe(true)
      expect(Exit.isSuccess(yield* Effect.exit(insertSession("w-solana-ACTIVE-1", "mcp")))).toBe(true)
      for (
        const refused of [
          insertWallet("bitcoin", "ACTIVE", 1),
          insertWallet("solana", "DELETED", 1),
          insertWallet("ethereum", "ACTIVE", 1.5),
          insertWallet("ethereum", "ACTIVE", "yesterday"),
          insertSession("w-solana-ACTIVE-1", "cli"),
          insertSession("no-such-wallet", "api")
        ]
      ) {
        const exit = yield* Effect.exit(refused)
        expect(Exit.isFailure(exit)).toBe(true)
      }
    }))
})

describe("retryBusy", () => {
  it.live("retries SQLITE_BUSY until the effect succeeds", () =>
    Effect.gen(function*() {
      const { attempts, effect } = yield* flaky(2, busy)
      expect(yield* retryBusy(effect)).toBe("ok")
      expect(yield* attempts).toBe(3)
    }))

  it.live("retries SQLITE_BUSY_SNAPSHOT, and a busy error that arrives as a defect", () =>
    Effect.gen(function*() {
      const snapshot = yield* flaky(1, Effect.fail(sqliteError("SQLITE_BUSY_SNAPSHOT")))
      expect(yield* retryBusy(snapshot.effect)).toBe("ok")
      const defect = yield* flaky(1, Effect.die(sqliteError("SQLITE_BUSY")))
      expect(yield* retryBusy(defect.effect)).toBe("ok")
      expect([yield* snapshot.attempts, yield* defect.attempts]).toEqual([2, 2])
    }))

  it.live("gives up after five retries and dies with the SqlError", () =>
    Effect.gen(function*() {
      const { attempts, effect } = yield* flaky(100, busy)
      const exit = yield* Effect.exit(retryBusy(effect))
      expect(isDefect(exit, isSqliteBusy)).toBe(true)
      expect(yield* attempts).toBe(6)
    }))

  it.live("turns any other SqlError into a defect at once", () =>
    Effect.gen(function*() {
      const { attempts, effect } = yield* flaky(1, Effect.fail(sqliteError("SQLITE_CONSTRAINT_PRIMARYKEY")))
      const exit = yield* Effect.exit(retryBusy(effect))
      expect(isDefect(exit, (d) => d instanceof SqlError.SqlError)).toBe(true)
      expect(yield* attempts).toBe(1)
    }))

  it.live("leaves errors other than SqlError typed", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(retryBusy(Effect.fail("not sql" as const)))
      expect(error).toBe("not sql")
    }))

  it.scopedLive("does not retry inside a transaction: the whole transaction is retried by its owner", () =>
    Effect.gen(function*() {
      const sql = yield* sqlOf(yield* tempDatabaseFile)
      const { attempts, effect } = yield* flaky(1, busy)
      const exit = yield* Effect.exit(sql.withTransaction(retryBusy(effect)))
      expect(isDefect(exit, isSqliteBusy)).toBe(true)
      expect(yield* attempts).toBe(1)
    }))

  it.scopedLive("waits out a write lock held by another connection", () =>
    Effect.gen(function*() {
      const file = yield* tempDatabaseFile
      const holder = yield* sqlOf(file)
      const writer = yield* sqlOf(file)
      yield* writer`PRAGMA busy_timeout = 0` // fail at once instead of waiting in SQLite's busy handler
      const insert = writer`INSERT INTO key_value (key, value, updated_at) VALUES ('k', 'v', 1)`

      yield* holder`BEGIN IMMEDIATE`
      const refused = yield* Effect.flip(insert)
      expect(isSqliteBusy(refused)).toBe(true)

      const commit = yield* Effect.fork(Effect.zipRight(Effect.sleep("60 millis"), holder`COMMIT`))
      yield* retryBusy(insert)
      yield* Fiber.join(commit)
      expect(yield* holder`SELECT value FROM key_value`).toEqual([{ value: "v" }])
    }))
})
