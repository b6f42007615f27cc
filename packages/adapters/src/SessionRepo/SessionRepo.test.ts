import { SqlClient, Statement } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { type SessionId, SessionRepo, WalletRepo } from "@waiaas/domain"
import { Context, Effect, FastCheck, Layer, Option } from "effect"
import { MemoryStore } from "../MemoryStore.js"
import { makeSession, makeWallet, sessionId, walletId } from "../testing/fixtures.js"
import { TempSqliteLive } from "../testing/TempSqlite.js"
import { WalletRepoMemory } from "../WalletRepo/Memory.js"
import { WalletRepoSqlite } from "../WalletRepo/Sqlite.js"
import { SessionRepoMemory } from "./Memory.js"
import { sessionRepoContract } from "./SessionRepo.contract.js"
import { SessionRepoSqlite } from "./Sqlite.js"

const MemoryRepos = Layer.mergeAll(SessionRepoMemory, WalletRepoMemory).pipe(Layer.provide(MemoryStore.layer))
const SqliteRepos = Layer.mergeAll(SessionRepoSqlite, WalletRepoSqlite).pipe(Layer.provideMerge(TempSqliteLive))

sessionRepoContract("memory", () => MemoryRepos)
sessionRepoContract("sqlite", () => SqliteRepos)

const walletNumbers = [1, 2] as const
const wallets = walletNumbers.map(walletId)
const walletIndex = FastCheck.integer({ min: 0, max: wallets.length - 1 })
const pick = FastCheck.nat(40)
const tag = <const T extends string>(t: T) => FastCheck.constant(t)

// Weighted towards inserts and small time steps, so that ties (same createdAt, several MCP sessions of one
// wallet) and expiry exactly at `now` actually happen.
const operation = FastCheck.oneof(
  {
    weight: 4,
    arbitrary: FastCheck.record({
      _tag: tag("insert"),
      wallet: walletIndex,
      source: FastCheck.constantFrom("api" as const, "mcp" as const),
      ttl: FastCheck.integer({ min: 1, max: 20 })
    })
  },
  { weight: 1, arbitrary: FastCheck.record({ _tag: tag("revoke"), pick }) },
  { weight: 1, arbitrary: FastCheck.record({ _tag: tag("reinstate"), pick, exact: FastCheck.boolean() }) },
  { weight: 1, arbitrary: FastCheck.record({ _tag: tag("revokeAllForWallet"), wallet: walletIndex }) },
  { weight: 2, arbitrary: FastCheck.record({ _tag: tag("advance"), seconds: FastCheck.integer({ min: 0, max: 10 }) }) },
  { weight: 2, arbitrary: FastCheck.record({ _tag: tag("countActive"), wallet: walletIndex }) },
  { weight: 2, arbitrary: FastCheck.record({ _tag: tag("findActiveMcp"), wallet: walletIndex }) },
  { weight: 1, arbitrary: FastCheck.record({ _tag: tag("findById"), pick }) }
)
type Operation = typeof operation extends FastCheck.Arbitrary<infer A> ? A : never
const operationSequences = FastCheck.array(operation, { minLength: 10, maxLength: 80, size: "max" })

/** Fresh repositories from `layer`, with the wallets stored, for the rest of the scope. */
const reposOf = (layer: Layer.Layer<SessionRepo | WalletRepo>) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(layer)
    for (const n of walletNumbers) yield* Context.get(context, WalletRepo).insert(makeWallet(n))
    return Context.get(context, SessionRepo)
  })

describe("SessionRepo: memory and SQLite agree", () => {
  it.effect.prop("on every step of a random sequence of operations", [operationSequences], ([operations]) =>
    Effect.gen(function*() {
      const memory = yield* reposOf(MemoryRepos)
      const sqlite = yield* reposOf(SqliteRepos)
      const inserted: Array<SessionId> = []
      // `pick` may point one past the end: an id that was never inserted.
      const idAt = (n: number): SessionId => inserted[n % (inserted.length + 1)] ?? sessionId(999_999)
      let now = 1_000

      const step = (op: Operation): Effect.Effect<unknown, never, never> => {
        switch (op._tag) {
          case "insert": {
            const session = makeSession(inserted.length + 10, wallets[op.wallet], {
              source: op.source,
              createdAt: now,
              expiresAt: now + op.ttl
            })
            inserted.push(session.id)
            return Effect.all([memory.insert(session), sqlite.insert(session)])
          }
          case "revoke":
            return Effect.all([memory.revoke(idAt(op.pick), now), sqlite.revoke(idAt(op.pick), now)])
          case "reinstate":
            return Effect.gen(function*() {
              const id = idAt(op.pick)
              const revokedAt = op.exact
                ? Option.match(yield* memory.findById(id), { onNone: () => now, onSome: (s) => s.revokedAt ?? now })
                : now
              yield* memory.reinstate(id, revokedAt)
              yield* sqlite.reinstate(id, revokedAt)
            })
          case "revokeAllForWallet":
            return Effect.all([
              memory.revokeAllForWallet(wallets[op.wallet], now),
              sqlite.revokeAllForWallet(wallets[op.wallet], now)
            ])
          case "advance":
            now += op.seconds
            return Effect.void
          case "countActive":
            return Effect.all([
              memory.countActive(wallets[op.wallet], now),
              sqlite.countActive(wallets[op.wallet], now)
            ])
          case "findActiveMcp":
            return Effect.all([
              memory.findActiveMcp(wallets[op.wallet], now),
              sqlite.findActiveMcp(wallets[op.wallet], now)
            ])
          case "findById":
            return Effect.all([memory.findById(idAt(op.pick)), sqlite.findById(idAt(op.pick))])
        }
      }

      for (const [index, op] of operations.entries()) {
        const result = yield* step(op)
        if (Array.isArray(result)) expect(result[1], `step ${index}: ${JSON.stringify(op)}`).toEqual(result[0])
      }
      for (const id of inserted) expect(yield* sqlite.findById(id)).toEqual(yield* memory.findById(id))
    }).pipe(Effect.scoped), { fastCheck: { numRuns: 60 } })
})

describe("SessionRepoSqlite query plans", () => {
  const statementsOf = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.gen(function*() {
      const compiled: Array<readonly [string, ReadonlyArray<unknown>]> = []
      yield* effect.pipe(Statement.withTransformer((statement) => {
        compiled.push(statement.compile())
        return Effect.succeed(statement)
      }))
      return compiled
    })

  const planOf = ([query, params]: readonly [string, ReadonlyArray<unknown>]) =>
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      Effect.map(
        sql.unsafe<{ readonly detail: string }>(`EXPLAIN QUERY PLAN ${query}`, params),
        (rows) => rows.map((row) => row.detail).join("\n")
      ))

  it.effect("countActive, findActiveMcp and revokeAllForWallet search a partial index, never scan sessions", () =>
    Effect.gen(function*() {
      const repo = yield* SessionRepo
      const wallet = walletId(1)
      yield* (yield* WalletRepo).insert(makeWallet(1))
      for (let n = 0; n < 200; n++) {
        yield* repo.insert(makeSession(n + 10, wallet, {
          source: n % 2 === 0 ? "api" : "mcp",
          revokedAt: n % 3 === 0 ? 1_100 : null
        }))
      }

      const cases: ReadonlyArray<readonly [Effect.Effect<unknown>, string]> = [
        [repo.countActive(wallet, 1_500), "sessions_active_by_wallet"],
        [repo.findActiveMcp(wallet, 1_500), "sessions_active_mcp_by_wallet"],
        [repo.revokeAllForWallet(wallet, 1_500), "sessions_active_by_wallet"]
      ]
      for (const [call, index] of cases) {
        const statements = yield* statementsOf(call)
        expect(statements).toHaveLength(1)
        const plan = yield* planOf(statements[0]!)
        const search = `SEARCH sessions USING (COVERING )?INDEX ${index} \\(wallet_id=\\? AND expires_at>\\?\\)`
        expect(plan).toMatch(new RegExp(search))
        expect(plan).not.toMatch(/SCAN sessions/)
      }
    }).pipe(Effect.provide(SqliteRepos)))
})
