import { describe, expect, it } from "@effect/vitest"
import { SessionRepo, Transaction, WalletRepo } from "@waiaas/domain"
import { Deferred, Effect, Fiber, Layer, Option } from "effect"
import { SessionRepoSqlite } from "../SessionRepo/Sqlite.js"
import { makeSession, makeWallet, walletId } from "../testing/fixtures.js"
import { TempSqliteLive } from "../testing/TempSqlite.js"
import { TransactionSqlite } from "../Transaction/Sqlite.js"
import { WalletRepoSqlite } from "../WalletRepo/Sqlite.js"

// The point reads (WalletRepo.findById, SessionRepo.findById) go to SqliteReader outside transactions and
// to the transaction's own connection inside one.
const Repos = Layer.mergeAll(TransactionSqlite, WalletRepoSqlite, SessionRepoSqlite).pipe(Layer.provide(TempSqliteLive))

describe("SqliteReader point reads", () => {
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
      // Through @effect/sql these would queue behind the open transaction (one connection) until it ends.
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
