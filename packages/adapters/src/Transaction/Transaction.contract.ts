import { describe, expect, it } from "@effect/vitest"
import { SessionRepo, Transaction, Wallet, WalletRepo } from "@waiaas/domain"
import { Cause, Deferred, Effect, Exit, Fiber, type Layer, Option, Ref } from "effect"
import { makeSession, makeWallet, walletId } from "../testing/fixtures.js"
import { afterCommit } from "./AfterCommit.js"

/**
 * What every Transaction must do, observed through the repositories it spans; `makeLayer` gives empty
 * repositories sharing one store on every build.
 */
export const transactionContract = (
  name: string,
  makeLayer: () => Layer.Layer<Transaction | WalletRepo | SessionRepo>
) =>
  describe(`Transaction contract: ${name}`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, Transaction | WalletRepo | SessionRepo>) =>
      Effect.provide(effect, makeLayer())

    const exists = (n: number) =>
      Effect.flatMap(WalletRepo, (repo) => Effect.map(repo.findById(walletId(n)), Option.isSome))

    it.effect("commits every write and returns the result", () =>
      run(Effect.gen(function*() {
        const { atomically } = yield* Transaction
        const wallets = yield* WalletRepo
        const sessions = yield* SessionRepo
        const result = yield* atomically(Effect.gen(function*() {
          yield* wallets.insert(makeWallet(1))
          yield* sessions.insert(makeSession(10, walletId(1)))
          return "done"
        }))
        expect(result).toBe("done")
        expect(yield* exists(1)).toBe(true)
        expect(yield* sessions.countActive(walletId(1), 1_000)).toBe(1)
      })))

    it.effect("a failure undoes every write and passes the error through", () =>
      run(Effect.gen(function*() {
        const { atomically } = yield* Transaction
        const wallets = yield* WalletRepo
        const sessions = yield* SessionRepo
        yield* wallets.insert(makeWallet(1))
        const error = yield* atomically(Effect.gen(function*() {
          yield* wallets.update(new Wallet({ ...makeWallet(1), name: "Renamed" }))
          yield* wallets.insert(makeWallet(2))
          yield* sessions.insert(makeSession(10, walletId(1)))
          return yield* Effect.fail("boom" as const)
        })).pipe(Effect.flip)
        expect(error).toBe("boom")
        expect(yield* wallets.findById(walletId(1))).toEqual(Option.some(makeWallet(1)))
        expect(yield* exists(2)).toBe(false)
        expect(yield* sessions.countActive(walletId(1), 1_000)).toBe(0)
      })))

    it.effect("a defect undoes every write", () =>
      run(Effect.gen(function*() {
        const { atomically } = yield* Transaction
        const wallets = yield* WalletRepo
        const exit = yield* Effect.exit(atomically(Effect.gen(function*() {
          yield* wallets.insert(makeWallet(1))
          return yield* Effect.dieMessage("bug")
        })))
        expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
        expect(yield* exists(1)).toBe(false)
      })))

    it.effect("interruption undoes every write and frees the store", () =>
      run(Effect.gen(function*() {
        const { atomically } = yield* Transaction
        const wallets = yield* WalletRepo
        const written = yield* Deferred.make<void>()
        const fiber = yield* Effect.fork(atomically(Effect.gen(function*() {
          yield* wallets.insert(makeWallet(1))
          yield* Deferred.succeed(written, undefined)
          return yield* Effect.never
        })))
        yield* Deferred.await(written)
        yield* Fiber.interrupt(fiber)
        expect(yield* exists(1)).toBe(false)
        yield* atomically(wallets.insert(makeWallet(2)))
        expect(yield* exists(2)).toBe(true)
      })))

    it.effect("a nested atomically joins the outer one, and commits with it", () =>
      run(Effect.gen(function*() {
        const { atomically } = yield* Transaction
        const wallets = yield* WalletRepo
        yield* atomically(Effect.gen(function*() {
          yield* wallets.insert(makeWallet(1))
          yield* atomically(atomically(wallets.insert(makeWallet(2))))
          expect(yield* exists(2)).toBe(true)
        }))
        expect(yield* exists(1)).toBe(true)
        expect(yield* exists(2)).toBe(true)
      })))

    it.effect("an outer failure undoes the writes of a nested atomically too", () =>
      run(Effect.gen(function*() {
        const { atomically } = yield* Transaction
        const wallets = yield* WalletRepo
        yield* atomically(Effect.gen(function*() {
          yield* atomically(wallets.insert(makeWallet(1)))
          return yield* Effect.fail("boom")
        })).pipe(Effect.ignore)
        expect(yield* exists(1)).toBe(false)
      })))

    it.effect("a failed nested atomically undoes only its own writes when the outer one recovers", () =>
      run(Effect.gen(function*() {
        const { atomically } = yield* Transaction
        const wallets = yield* WalletRepo
        yield* atomically(Effect.gen(function*() {
          yield* wallets.insert(makeWallet(1))
          yield* atomically(Effect.zipRight(wallets.insert(makeWallet(2)), Effect.fail("inner"))).pipe(Effect.ignore)
          yield* wallets.insert(makeWallet(3))
        }))
        expect([yield* exists(1), yield* exists(2), yield* exists(3)]).toEqual([true, false, true])
      })))

    it.effect("concurrent transactions run one at a time: no lost update", () =>
      run(Effect.gen(function*() {
        const { atomically } = yield* Transaction
        const wallets = yield* WalletRepo
        yield* wallets.insert(makeWallet(1, { name: "0" }))
        // Read, yield to the other fibers, write back: interleaved, most increments would be lost.
        const increment = atomically(Effect.gen(function*() {
          const wallet = Option.getOrThrow(yield* wallets.findById(walletId(1)))
          yield* Effect.yieldNow()
          yield* Effect.yieldNow()
          yield* wallets.update(new Wallet({ ...wallet, name: String(Number(wallet.name) + 1) }))
        }))
        yield* Effect.all(Array.from({ length: 20 }, () => increment), { concurrency: "unbounded", discard: true })
        expect(Option.map(yield* wallets.findById(walletId(1)), (w) => w.name)).toEqual(Option.some("20"))
      })))

    it.effect("a write outside any transaction waits for the running one instead of being rolled back with it", () =>
      run(Effect.gen(function*() {
        const { atomically } = yield* Transaction
        const wallets = yield* WalletRepo
        const written = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const transaction = yield* Effect.fork(atomically(Effect.gen(function*() {
          yield* wallets.insert(makeWallet(1))
          yield* Deferred.succeed(written, undefined)
          yield* Deferred.await(release)
          return yield* Effect.fail("boom")
        })))
        yield* Deferred.await(written)
        const outside = yield* Effect.fork(wallets.insert(makeWallet(2)))
        yield* Effect.yieldNow()
        yield* Deferred.succeed(release, undefined)
        yield* Fiber.await(transaction)
        yield* Fiber.join(outside)
        expect([yield* exists(1), yield* exists(2)]).toEqual([false, true])
      })))

    // What afterCommit defers sees the writes committed, and runs once; a rollback drops it.
    const recorder = Effect.gen(function*() {
      const seen = yield* Ref.make<ReadonlyArray<string>>([])
      const record = (label: string) => Ref.update(seen, (labels) => [...labels, label])
      return { seen: Ref.get(seen), record }
    })

    it.effect("afterCommit runs its action once the transaction has committed, in order, and at once outside one", () =>
      run(Effect.gen(function*() {
        const { atomically } = yield* Transaction
        const wallets = yield* WalletRepo
        const { record, seen } = yield* recorder
        yield* afterCommit(record("outside"))
        yield* atomically(Effect.gen(function*() {
          yield* wallets.insert(makeWallet(1))
          const committed = Effect.provideService(exists(1), WalletRepo, wallets)
          yield* afterCommit(Effect.flatMap(committed, (found) => record(`first, wallet committed: ${found}`)))
          yield* afterCommit(record("second"))
          expect(yield* seen).toEqual(["outside"])
        }))
        expect(yield* seen).toEqual(["outside", "first, wallet committed: true", "second"])
      })))

    it.effect("afterCommit inside a transaction that fails, dies or is interrupted never runs", () =>
      run(Effect.gen(function*() {
        const { atomically } = yield* Transaction
        const { record, seen } = yield* recorder
        yield* atomically(Effect.zipRight(afterCommit(record("failed")), Effect.fail("boom"))).pipe(Effect.ignore)
        yield* Effect.exit(atomically(Effect.zipRight(afterCommit(record("died")), Effect.dieMessage("bug"))))
        const deferred = yield* Deferred.make<void>()
        const fiber = yield* Effect.fork(atomically(Effect.gen(function*() {
          yield* afterCommit(record("interrupted"))
          yield* Deferred.succeed(deferred, undefined)
          return yield* Effect.never
        })))
        yield* Deferred.await(deferred)
        yield* Fiber.interrupt(fiber)
        expect(yield* seen).toEqual([])
      })))

    it.effect("afterCommit in a nested atomically waits for the outermost commit; a failed nested one drops its own", () =>
      run(Effect.gen(function*() {
        const { atomically } = yield* Transaction
        const { record, seen } = yield* recorder
        yield* atomically(Effect.gen(function*() {
          yield* atomically(afterCommit(record("nested")))
          yield* atomically(Effect.zipRight(afterCommit(record("nested, failed")), Effect.fail("inner"))).pipe(Effect.ignore)
          yield* afterCommit(record("outer"))
          expect(yield* seen).toEqual([])
        }))
        expect(yield* seen).toEqual(["nested", "outer"])
        yield* atomically(Effect.gen(function*() {
          yield* atomically(afterCommit(record("nested in a failed one")))
          return yield* Effect.fail("outer")
        })).pipe(Effect.ignore)
        expect(yield* seen).toEqual(["nested", "outer"])
      })))
  })
