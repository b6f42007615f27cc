import { NodeContext } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { SqliteClient, SqliteMigrator } from "@effect/sql-sqlite-node"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Context, Effect, Exit, Layer, Ref } from "effect"
import { tempDatabaseFile } from "../testing/TempSqlite.js"
import initial from "./migrations/00001_initial.js"
import { isSqliteBusy, retryBusy, SqliteDatabase, SqliteDatabaseLive } from "./SqliteDatabase.js"
import { SqliteLive } from "./SqliteLive.js"

const dbOf = (file: string) => Effect.map(Layer.build(SqliteLive(file)), Context.get(SqliteDatabase))

/** better-sqlite3's error for `code`, as a statement throws it. */
const sqliteError = (code: string) => Object.assign(new Error(code), { name: "SqliteError", code })

/** An effect that dies with `failure` the first `failures` times, then succeeds; and its attempt count. */
const flaky = (failures: number, failure: unknown) =>
  Effect.gen(function*() {
    const attempts = yield* Ref.make(0)
    const effect = Effect.flatMap(
      Ref.updateAndGet(attempts, (n) => n + 1),
      (n) => n <= failures ? Effect.die(failure) : Effect.succeed("ok")
    )
    return { effect, attempts: Ref.get(attempts) }
  })

const busy = sqliteError("SQLITE_BUSY")

const isDefect = <A, E>(exit: Exit.Exit<A, E>, predicate: (defect: unknown) => boolean) =>
  Exit.isFailure(exit) && Cause.isDie(exit.cause) && [...Cause.defects(exit.cause)].some(predicate)

describe("SqliteLive", () => {
  it.scoped("opens the file in WAL mode with busy_timeout and foreign keys set", () =>
    Effect.gen(function*() {
      const db = yield* dbOf(yield* tempDatabaseFile)
      // Pragmas are per connection: these ask the one that writes (inside a transaction).
      const pragmas = yield* db.transaction(Effect.all([
        db.query("PRAGMA journal_mode"),
        db.query("PRAGMA busy_timeout"),
        db.query("PRAGMA foreign_keys")
      ]))
      expect(pragmas).toEqual([[{ journal_mode: "wal" }], [{ timeout: 10_000 }], [{ foreign_keys: 1 }]])
      // The read-only connection waits as long for a lock.
      expect(yield* db.query("PRAGMA busy_timeout")).toEqual([{ timeout: 10_000 }])
    }))

  it.scoped("applies every migration once, and keeps the data across a reopen", () =>
    Effect.gen(function*() {
      const file = yield* tempDatabaseFile
      const first = yield* dbOf(file)
      const objects = yield* first.query<{ readonly name: string }>(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' ORDER BY name"
      )
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
      yield* first.execute("INSERT INTO key_value (key, value, updated_at) VALUES ('k', 'v', 1)")

      const second = yield* dbOf(file)
      expect(yield* second.query("SELECT migration_id, name FROM effect_sql_migrations ORDER BY migration_id")).toEqual([
        { migration_id: 1, name: "initial" },
        { migration_id: 2, name: "session_lifecycle" },
        { migration_id: 3, name: "events" }
      ])
      expect(yield* second.query("SELECT value FROM key_value WHERE key = 'k'")).toEqual([{ value: "v" }])
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

      const db = yield* dbOf(file)
      expect(yield* db.query("SELECT id, ttl, expired_at FROM sessions ORDER BY id")).toEqual([
        { id: "plain", ttl: 600, expired_at: null },
        { id: "renewed", ttl: 500, expired_at: null },
        { id: "revoked", ttl: 300, expired_at: null }
      ])
      expect(yield* db.query("SELECT id FROM sessions WHERE revoked_at IS NULL AND expired_at IS NULL AND expires_at <= 2000"))
        .toEqual([{ id: "plain" }])
    }))

  it.scoped("the events table is STRICT, with '{}' as the default details", () =>
    Effect.gen(function*() {
      const db = yield* dbOf(yield* tempDatabaseFile)
      yield* db.execute("INSERT INTO events (id, type, at) VALUES ('e1', 'SECRET_ROTATED', 5)")
      expect(yield* db.query("SELECT * FROM events")).toEqual([
        { id: "e1", type: "SECRET_ROTATED", wallet_id: null, session_id: null, at: 5, details: "{}" }
      ])
      for (const at of [1.5, "soon"]) {
        const exit = yield* Effect.exit(db.execute("INSERT INTO events (id, type, at) VALUES ('e2', 'SECRET_ROTATED', ?)", [at]))
        expect(Exit.isFailure(exit)).toBe(true)
      }
      expect(Exit.isFailure(yield* Effect.exit(db.execute("INSERT INTO events (id, type, at) VALUES ('e1', 'X', 6)")))).toBe(true)
    }))

  it.scoped("the schema refuses unknown chains, statuses and sources, non-integer times and orphan sessions", () =>
    Effect.gen(function*() {
      const db = yield* dbOf(yield* tempDatabaseFile)
      const insertWallet = (chain: string, status: string, createdAt: string | number) =>
        db.execute(
          `INSERT INTO wallets (id, name, chain, network, status, created_at, updated_at)
           VALUES (?, 'w', ?, 'devnet', ?, ?, 1)`,
          [`w-${chain}-${status}-${String(createdAt)}`, chain, status, createdAt]
        )
      const insertSession = (walletId: string, source: string) =>
        db.execute(
          `INSERT INTO sessions
             (id, wallet_id, token_hash, source, expires_at, absolute_expires_at, max_renewals, created_at)
           VALUES (?, ?, 'h', ?, 2, 3, 1, 1)`,
          [`s-${walletId}-${source}`, walletId, source]
        )

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

  it.live("retries SQLITE_BUSY_SNAPSHOT, and a busy error wrapped as a cause (@effect/sql's, while migrating)", () =>
    Effect.gen(function*() {
      const snapshot = yield* flaky(1, sqliteError("SQLITE_BUSY_SNAPSHOT"))
      expect(yield* retryBusy(snapshot.effect)).toBe("ok")
      const wrapped = yield* flaky(1, { _tag: "SqlError", cause: busy })
      expect(yield* retryBusy(wrapped.effect)).toBe("ok")
      expect([yield* snapshot.attempts, yield* wrapped.attempts]).toEqual([2, 2])
    }))

  it.live("gives up after five retries and dies with the SQLite error", () =>
    Effect.gen(function*() {
      const { attempts, effect } = yield* flaky(100, busy)
      const exit = yield* Effect.exit(retryBusy(effect))
      expect(isDefect(exit, isSqliteBusy)).toBe(true)
      expect(yield* attempts).toBe(6)
    }))

  it.live("leaves any other error alone", () =>
    Effect.gen(function*() {
      const { attempts, effect } = yield* flaky(1, sqliteError("SQLITE_CONSTRAINT_PRIMARYKEY"))
      const exit = yield* Effect.exit(retryBusy(effect))
      expect(isDefect(exit, (d) => (d as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY")).toBe(true)
      expect(yield* attempts).toBe(1)
      expect(yield* Effect.flip(retryBusy(Effect.fail("not sql" as const)))).toBe("not sql")
    }))

  it.scopedLive("a write waits out a write lock another process holds", () =>
    Effect.gen(function*() {
      const file = yield* tempDatabaseFile
      yield* dbOf(file) // migrated
      // Fail at once instead of waiting in SQLite's busy handler, which would block this process's event
      // loop, and with it the fiber below that ends the other connection's transaction.
      const db = yield* Effect.map(Layer.build(SqliteDatabaseLive(file, { busyTimeoutMs: 0 })), Context.get(SqliteDatabase))
      // Another process: @effect/sql's own connection, holding the write lock for 60 ms.
      const other = yield* Layer.build(SqliteClient.layer({ filename: file }).pipe(Layer.orDie))
      const sql = Context.get(other, SqlClient.SqlClient)
      yield* sql`BEGIN IMMEDIATE`
      const commit = yield* Effect.fork(Effect.zipRight(Effect.sleep("60 millis"), sql`COMMIT`))
      const insert = db.execute("INSERT INTO key_value (key, value, updated_at) VALUES ('k', 'v', 1)")
      // Busy on the first try (the retries wait 20 ms before the next): it cannot be done within 10 ms.
      expect(Exit.isFailure(yield* Effect.exit(Effect.timeout(insert, "10 millis")))).toBe(true)
      yield* insert
      yield* commit.await
      expect(yield* db.query("SELECT value FROM key_value")).toEqual([{ value: "v" }])
    }))
})
