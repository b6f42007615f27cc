import { describe, expect, it } from "@effect/vitest"
import { Transaction, WalletRepo } from "@waiaas/domain"
import { Effect, Layer, Ref } from "effect"
import { makeWallet, walletId } from "../testing/fixtures.js"
import { MemoryStore } from "../MemoryStore.js"
import { SessionRepoMemory } from "../SessionRepo/Memory.js"
import { SessionRepoSqlite } from "../SessionRepo/Sqlite.js"
import { TempSqliteLive } from "../testing/TempSqlite.js"
import { WalletRepoMemory } from "../WalletRepo/Memory.js"
import { WalletRepoSqlite } from "../WalletRepo/Sqlite.js"
import { afterCommit } from "./AfterCommit.js"
import { TransactionMemory } from "./Memory.js"
import { TransactionSqlite } from "./Sqlite.js"
import { transactionContract } from "./Transaction.contract.js"

transactionContract(
  "memory",
  () => Layer.mergeAll(TransactionMemory, WalletRepoMemory, SessionRepoMemory).pipe(Layer.provide(MemoryStore.layer))
)
transactionContract(
  "sqlite",
  () => Layer.mergeAll(TransactionSqlite, WalletRepoSqlite, SessionRepoSqlite).pipe(Layer.provide(TempSqliteLive))
)

describe("TransactionSqlite", () => {
  it.live("reruns a transaction that hit SQLITE_BUSY, after rolling the first attempt back", () =>
    Effect.gen(function*() {
      const { atomically } = yield* Transaction
      const wallets = yield* WalletRepo
      const attempts = yield* Ref.make(0)
      const result = yield* atomically(Effect.gen(function*() {
        const attempt = yield* Ref.updateAndGet(attempts, (n) => n + 1)
        yield* wallets.insert(makeWallet(attempt))
        // What a statement does when another process held the lock past busy_timeout: SQLite's error, as a defect.
        if (attempt === 1) return yield* Effect.die(Object.assign(new Error("busy"), { code: "SQLITE_BUSY" }))
        return attempt
      }))
      expect(result).toBe(2)
      expect((yield* wallets.list).map((w) => w.id)).toEqual([walletId(2)])
    }).pipe(Effect.provide(Layer.mergeAll(TransactionSqlite, WalletRepoSqlite).pipe(Layer.provide(TempSqliteLive)))))

  it.live("after a rerun, only what the committed attempt deferred with afterCommit runs", () =>
    Effect.gen(function*() {
      const { atomically } = yield* Transaction
      const attempts = yield* Ref.make(0)
      const ran = yield* Ref.make<ReadonlyArray<number>>([])
      yield* atomically(Effect.gen(function*() {
        const attempt = yield* Ref.updateAndGet(attempts, (n) => n + 1)
        yield* afterCommit(Ref.update(ran, (all) => [...all, attempt]))
        if (attempt === 1) return yield* Effect.die(Object.assign(new Error("busy"), { code: "SQLITE_BUSY" }))
      }))
      expect(yield* Ref.get(ran)).toEqual([2])
    }).pipe(Effect.provide(TransactionSqlite.pipe(Layer.provide(TempSqliteLive)))))
})
