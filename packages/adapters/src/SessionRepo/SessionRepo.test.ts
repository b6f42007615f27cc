import { describe, expect, it } from "@effect/vitest"
import { type SessionId, SessionRepo, WalletRepo } from "@waiaas/domain"
import { Context, Effect, FastCheck, Layer, Option } from "effect"
import { MemoryStore } from "../MemoryStore.js"
import { makeSession, makeWallet, sessionId, walletId } from "../testing/fixtures.js"
import { planOf, statementsOf } from "../testing/QueryPlans.js"
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
      ttl: FastCheck.integer({ min: 1, max: 8 })
    })
  },
  { weight: 1, arbitrary: FastCheck.record({ _tag: tag("revoke"), pick }) },
  { weight: 1, arbitrary: FastCheck.record({ _tag: tag("reinstate"), pick, exact: FastCheck.boolean() }) },
  { weight: 1, arbitrary: FastCheck.record({ _tag: tag("revokeAllForWallet"), wallet: walletIndex }) },
  { weight: 2, arbitrary: FastCheck.record({ _tag: tag("advance"), seconds: FastCheck.integer({ min: 0, max: 4 }) }) },
  { weight: 2, arbitrary: FastCheck.record({ _tag: tag("countActive"), wallet: walletIndex }) },
  { weight: 2, arbitrary: FastCheck.record({ _tag: tag("findActiveMcp"), wallet: walletIndex }) },
  { weight: 1, arbitrary: FastCheck.record({ _tag: tag("findById"), pick }) },
  {
    weight: 2,
    arbitrary: FastCheck.record({
      _tag: tag("list"),
      wallet: FastCheck.option(walletIndex, { nil: undefined }),
      status: FastCheck.option(FastCheck.constantFrom("ACTIVE" as const, "EXPIRED" as const, "REVOKED" as const), {
        nil: undefined
      }),
      source: FastCheck.option(FastCheck.constantFrom("api" as const, "mcp" as const), { nil: undefined }),
      limit: FastCheck.integer({ min: 0, max: 12 })
    })
  },
  { weight: 1, arbitrary: FastCheck.record({ _tag: tag("listActiveMcp") }) },
  { weight: 1, arbitrary: FastCheck.record({ _tag: tag("latestMcpPerWallet") }) },
  {
    weight: 2,
    arbitrary: FastCheck.record({
      _tag: tag("replaceToken"),
      pick,
      current: FastCheck.boolean(),
      ttl: FastCheck.integer({ min: 0, max: 20 })
    })
  },
  { weight: 1, arbitrary: FastCheck.record({ _tag: tag("revokeAll") }) },
  {
    weight: 2,
    arbitrary: FastCheck.record({ _tag: tag("findDueForExpiry"), limit: FastCheck.integer({ min: 0, max: 6 }) })
  },
  { weight: 1, arbitrary: FastCheck.record({ _tag: tag("markDue"), limit: FastCheck.integer({ min: 0, max: 6 }) }) },
  { weight: 1, arbitrary: FastCheck.record({ _tag: tag("markExpired"), picks: FastCheck.array(pick, { maxLength: 4 }) }) }
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
      let replacements = 0

      const step = (op: Operation): Effect.Effect<unknown, never, never> => {
        switch (op._tag) {
          case "insert": {
            const session = makeSession(inserted.length + 10, wallets[op.wallet], {
              source: op.source,
              ttl: op.ttl,
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
          case "list": {
            const query = {
              walletId: op.wallet === undefined ? undefined : wallets[op.wallet],
              status: op.status,
              source: op.source,
              now,
              limit: op.limit
            }
            return Effect.all([memory.list(query), sqlite.list(query)])
          }
          case "listActiveMcp":
            return Effect.all([memory.listActiveMcp(now), sqlite.listActiveMcp(now)])
          case "latestMcpPerWallet":
            return Effect.all([memory.latestMcpPerWallet, sqlite.latestMcpPerWallet])
          case "replaceToken":
            // A renewal with the current hash (usually wins) or a stale one (always loses).
            return Effect.gen(function*() {
              const id = idAt(op.pick)
              const expected = op.current
                ? Option.match(yield* memory.findById(id), { onNone: () => "none", onSome: (s) => s.tokenHash })
                : "hash-stale"
              replacements++
              const fields = {
                tokenHash: `hash-replaced-${replacements}`,
                expiresAt: now + op.ttl,
                renewalCount: replacements,
                lastRenewedAt: now
              }
              return yield* Effect.all([
                memory.replaceToken(id, expected, fields),
                sqlite.replaceToken(id, expected, fields)
              ])
            })
          case "revokeAll":
            return Effect.all([memory.revokeAll(now), sqlite.revokeAll(now)])
          case "findDueForExpiry":
            return Effect.all([memory.findDueForExpiry(now, op.limit), sqlite.findDueForExpiry(now, op.limit)])
          case "markDue":
            // What the sweeper does: mark a batch of what is due.
            return Effect.gen(function*() {
              const due = (yield* memory.findDueForExpiry(now, op.limit)).map((s) => s.id)
              yield* memory.markExpired(due, now)
              yield* sqlite.markExpired(due, now)
            })
          case "markExpired": {
            const ids = op.picks.map(idAt)
            return Effect.all([memory.markExpired(ids, now), sqlite.markExpired(ids, now)])
          }
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
  /** Sessions of two wallets, a third of them revoked, half of them MCP, some swept: every index has rows. */
  const insertHistory = Effect.gen(function*() {
    const repo = yield* SessionRepo
    for (const n of [1, 2]) yield* (yield* WalletRepo).insert(makeWallet(n))
    for (let n = 0; n < 200; n++) {
      yield* repo.insert(makeSession(n + 10, walletId(1 + (n % 2)), {
        source: n % 4 < 2 ? "api" : "mcp",
        createdAt: 1_000 + n,
        expiresAt: 1_400 + n * 2,
        revokedAt: n % 3 === 0 ? 1_100 : null,
        expiredAt: n % 5 === 0 ? 1_450 : null
      }))
    }
    return repo
  })

  /**
   * Each call's statement, with the index its plan must use (as a regex of the plan's detail lines). A plan
   * may sort (USE TEMP B-TREE) only where `sorts` says so: the few live sessions, never the history.
   */
  const planCases = (repo: SessionRepo["Type"]) => {
    const wallet = walletId(1)
    const now = 1_500
    const cases: ReadonlyArray<{
      readonly name: string
      readonly call: Effect.Effect<unknown>
      readonly plan: ReadonlyArray<RegExp>
      readonly sorts?: true
    }> = [
      {
        name: "countActive",
        call: repo.countActive(wallet, now),
        plan: [/SEARCH sessions USING (COVERING )?INDEX sessions_active_by_wallet \(wallet_id=\? AND expires_at>\?\)/]
      },
      {
        name: "findActiveMcp",
        call: repo.findActiveMcp(wallet, now),
        plan: [/SEARCH sessions USING INDEX sessions_active_mcp_by_wallet \(wallet_id=\? AND expires_at>\?\)/],
        sorts: true
      },
      {
        name: "revokeAllForWallet",
        call: repo.revokeAllForWallet(wallet, now),
        plan: [/SEARCH sessions USING INDEX sessions_active_by_wallet \(wallet_id=\? AND expires_at>\?\)/]
      },
      {
        name: "list everything",
        call: repo.list({ now, limit: 10 }),
        plan: [/^SCAN sessions USING INDEX sessions_newest_first$/]
      },
      {
        name: "list EXPIRED",
        call: repo.list({ status: "EXPIRED", now, limit: 10 }),
        plan: [/^SCAN sessions USING INDEX sessions_newest_first$/]
      },
      {
        name: "list REVOKED mcp",
        call: repo.list({ status: "REVOKED", source: "mcp", now, limit: 10 }),
        plan: [/^SCAN sessions USING INDEX sessions_newest_first$/]
      },
      {
        name: "list ACTIVE",
        call: repo.list({ status: "ACTIVE", now, limit: 10 }),
        plan: [/^SEARCH sessions USING INDEX sessions_active_by_expiry \(expires_at>\?\)$/],
        sorts: true
      },
      {
        name: "list a wallet's",
        call: repo.list({ walletId: wallet, now, limit: 10 }),
        plan: [/^SEARCH sessions USING INDEX sessions_by_wallet_newest_first \(wallet_id=\?\)$/]
      },
      {
        name: "list a wallet's EXPIRED",
        call: repo.list({ walletId: wallet, status: "EXPIRED", now, limit: 10 }),
        plan: [/^SEARCH sessions USING INDEX sessions_by_wallet_newest_first \(wallet_id=\?\)$/]
      },
      {
        name: "list a wallet's ACTIVE",
        call: repo.list({ walletId: wallet, status: "ACTIVE", now, limit: 10 }),
        plan: [/^SEARCH sessions USING INDEX sessions_active_by_wallet \(wallet_id=\? AND expires_at>\?\)$/],
        sorts: true
      },
      {
        name: "list a wallet's latest MCP",
        call: repo.list({ walletId: wallet, source: "mcp", now, limit: 1 }),
        plan: [/^SEARCH sessions USING INDEX sessions_mcp_by_wallet_newest_first \(wallet_id=\?\)$/]
      },
      {
        name: "listActiveMcp",
        call: repo.listActiveMcp(now),
        plan: [/^SEARCH sessions USING INDEX sessions_active_by_expiry \(expires_at>\?\)$/],
        sorts: true
      },
      {
        // The one sort: one row per wallet.
        name: "latestMcpPerWallet",
        call: repo.latestMcpPerWallet,
        plan: [
          /^SCAN wallets USING COVERING INDEX sqlite_autoindex_wallets_1$/,
          /^SEARCH sessions USING INDEX sqlite_autoindex_sessions_1 \(id=\?\)$/,
          /^SEARCH latest USING COVERING INDEX sessions_mcp_by_wallet_newest_first \(wallet_id=\?\)$/
        ],
        sorts: true
      },
      {
        name: "replaceToken",
        call: repo.replaceToken(sessionId(10), "hash-10", {
          tokenHash: "hash-x",
          expiresAt: 2_000,
          renewalCount: 1,
          lastRenewedAt: now
        }),
        plan: [/^SEARCH sessions USING INDEX sqlite_autoindex_sessions_1 \(id=\?\)$/]
      },
      {
        name: "findDueForExpiry",
        call: repo.findDueForExpiry(now, 10),
        plan: [/^SEARCH sessions USING INDEX sessions_due_for_expiry \(expires_at<\?\)$/]
      },
      {
        name: "markExpired",
        call: repo.markExpired([sessionId(11), sessionId(12)], now),
        plan: [/^SEARCH sessions USING INDEX sqlite_autoindex_sessions_1 \(id=\?\)$/]
      },
      {
        name: "revokeAll",
        call: repo.revokeAll(now),
        plan: [/^SEARCH sessions USING INDEX sessions_active_by_expiry \(expires_at>\?\)$/]
      }
    ]
    return cases
  }

  it.effect("every query reads a range of the index meant for it; none scans the table or sorts the history", () =>
    Effect.gen(function*() {
      const repo = yield* insertHistory
      for (const { call, name, plan, sorts } of planCases(repo)) {
        const statements = (yield* statementsOf(call)).filter(([query]) => !/^(BEGIN|COMMIT|SAVEPOINT|RELEASE)/i.test(query))
        expect(statements, name).toHaveLength(1)
        const lines = (yield* planOf(statements[0]!)).split("\n")
        for (const expected of plan) expect(lines.some((line) => expected.test(line)), `${name}: ${lines.join(" | ")}`).toBe(true)
        expect(lines.filter((line) => /^SCAN sessions(?! USING)/.test(line)), name).toEqual([])
        if (sorts !== true) expect(lines.filter((line) => line.includes("TEMP B-TREE")), name).toEqual([])
      }
    }).pipe(Effect.provide(SqliteRepos)))
})
