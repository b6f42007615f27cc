import { describe, expect, it } from "@effect/vitest"
import { TokenFilesFaulty } from "@waiaas/adapters"
import { stacks } from "@waiaas/adapters/testing/stacks"
import {
  createWallet,
  provisionMcpToken,
  rotateSecret,
  SessionRepo,
  TokenFileRepairs,
  TokenFiles,
  TokenSigner,
  type WalletId
} from "@waiaas/domain"
import { Effect, Exit, Layer, Logger, LogLevel, Option, Redacted, Ref, Scope, TestClock, TestServices } from "effect"
import { MaintenanceLive } from "./Maintenance.js"

// Start-up and periodic maintenance, on both stacks: what is checked after a clean stop, after an unclean
// one, every minute, and what the lock is told at stop.

const NOW_MS = 1_800_000_000_000
const PLANTED = Redacted.make("wai_sess_planted.planted.planted")

interface Faults {
  readonly failWrites: Ref.Ref<boolean>
  /** The next expiry sweep dies (as a database error would, half-way through a run). */
  readonly sweepDies: Ref.Ref<boolean>
}

const faultyStack = (stack: Layer.Layer<any, any, any>, faults: Faults) => {
  const sweep = Layer.effect(
    SessionRepo,
    Effect.map(SessionRepo, (sessions) =>
      SessionRepo.of({
        ...sessions,
        findDueForExpiry: (now, limit) =>
          Effect.flatMap(Ref.getAndSet(faults.sweepDies, false), (dies) =>
            dies ? Effect.die(new Error("database gone")) : sessions.findDueForExpiry(now, limit))
      }))
  )
  return Layer.provideMerge(Layer.mergeAll(TokenFilesFaulty(faults.failWrites), sweep), stack)
}

describe.each(stacks)("maintenance on the %s stack", (_, makeStack) => {
  const run = <A, E>(effect: (faults: Faults) => Effect.Effect<A, E, any>) =>
    Effect.gen(function*() {
      const faults: Faults = { failWrites: yield* Ref.make(false), sweepDies: yield* Ref.make(false) }
      yield* TestClock.setTime(NOW_MS)
      return yield* effect(faults).pipe(Effect.provide(faultyStack(makeStack(), faults)))
    }).pipe(Effect.scoped, Logger.withMinimumLogLevel(LogLevel.None)) as Effect.Effect<A, E>

  /** Builds MaintenanceLive in a scope of its own; `stop` closes it and answers what the lock was told. */
  const start = (repairAllAtStart: boolean) =>
    Effect.gen(function*() {
      const told = yield* Ref.make(Option.none<boolean>())
      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(MaintenanceLive({ repairAllAtStart, onStop: (workLeft) => Ref.set(told, Option.some(workLeft)) }), scope)
      return { stop: Effect.zipRight(Scope.close(scope, Exit.void), Effect.map(Ref.get(told), Option.getOrThrow)) }
    })

  const fileOf = (walletId: WalletId) => Effect.flatMap(TokenFiles, (files) => files.read(walletId))
  const plant = (walletId: WalletId) => Effect.flatMap(TokenFiles, (files) => files.write(walletId, PLANTED))
  const pending = Effect.flatMap(TokenFileRepairs, (repairs) => repairs.pending)

  /** Waits (in real time) until `check` holds: the periodic run may await real I/O (jose signs with promises). */
  const eventually = (check: Effect.Effect<boolean, never, any>) =>
    Effect.gen(function*() {
      for (let i = 0; i < 500; i++) {
        if (yield* check) return
        yield* TestServices.provideLive(Effect.sleep("10 millis"))
      }
      expect.fail("the condition never held")
    })

  /** The wallet's file holds its active MCP session's token, signed with the current secret. */
  const sound = (walletId: WalletId) =>
    Effect.gen(function*() {
      const now = Math.floor((yield* TestClock.currentTimeMillis) / 1000)
      const active = yield* (yield* SessionRepo).findActiveMcp(walletId, now)
      const file = yield* fileOf(walletId)
      const signer = yield* TokenSigner
      return Option.isSome(active) && Option.isSome(file) && signer.fingerprint(file.value) === active.value.tokenHash &&
        (yield* signer.signedWithCurrentSecret(file.value))
    })

  it.effect("after a clean stop, start-up sweeps expired sessions but does not rescan the token directory", () =>
    run(() =>
      Effect.gen(function*() {
        const expiring = yield* createWallet({ name: "expiring" })
        const elsewhere = yield* createWallet({ name: "elsewhere" })
        yield* provisionMcpToken(expiring.id, 300)
        yield* TestClock.adjust("301 seconds") // expired while the daemon was stopped
        // Written while stopped, by something else than the daemon: not the daemon's to find after a clean
        // stop (the directory is consistent by construction then); the next unclean start removes it.
        yield* plant(elsewhere.id)

        const daemon = yield* start(false)
        expect(Option.isNone(yield* fileOf(expiring.id))).toBe(true)
        expect(Option.isSome(yield* fileOf(elsewhere.id))).toBe(true)
        expect(yield* daemon.stop).toBe(false)

        const again = yield* start(true)
        expect(Option.isNone(yield* fileOf(elsewhere.id))).toBe(true)
        expect(yield* again.stop).toBe(false)
      })))

  it.effect("after an unclean stop, every file is checked before start-up is done", () =>
    run(() =>
      Effect.gen(function*() {
        const files = yield* TokenFiles
        const missing = yield* createWallet({ name: "missing" })
        const orphan = yield* createWallet({ name: "orphan" })
        yield* provisionMcpToken(missing.id)
        yield* files.remove(missing.id) // as if the kill came between commit and write
        yield* plant(orphan.id)

        const daemon = yield* start(true)
        expect(yield* sound(missing.id)).toBe(true)
        expect(Option.isNone(yield* fileOf(orphan.id))).toBe(true)
        expect(yield* daemon.stop).toBe(false) // repaired: the next start need not
      })))

  it.effect("every minute, the wallets whose file change failed are repaired once the disk works, and nothing else", () =>
    run(({ failWrites }) =>
      Effect.gen(function*() {
        const rotated = yield* createWallet({ name: "rotated" })
        const elsewhere = yield* createWallet({ name: "elsewhere" })
        yield* provisionMcpToken(rotated.id)
        const daemon = yield* start(false)
        yield* plant(elsewhere.id)

        yield* Ref.set(failWrites, true)
        expect((yield* rotateSecret()).resignedMcpTokens).toBe(0)
        yield* TestClock.adjust("1 minute")
        expect(yield* pending).toEqual([rotated.id]) // still failing: still marked
        yield* Ref.set(failWrites, false)
        yield* TestClock.adjust("1 minute")
        // Waits for the mark to go, not for the file: the file is in place at its rename, and the mark is
        // cleared only after the directory's fsync that follows (once, under a full suite's load, the
        // check ran in between).
        yield* eventually(Effect.map(pending, (marked) => marked.length === 0))
        expect(yield* sound(rotated.id)).toBe(true)
        expect(Option.isSome(yield* fileOf(elsewhere.id))).toBe(true) // not rescanned
        expect(yield* daemon.stop).toBe(false)
      })))

  it.effect("a stop with a file the disk still refuses tells the lock to leave the repair to the next start", () =>
    run(({ failWrites }) =>
      Effect.gen(function*() {
        const wallet = yield* createWallet({ name: "refused" })
        yield* provisionMcpToken(wallet.id)
        const daemon = yield* start(false)
        yield* Ref.set(failWrites, true)
        yield* rotateSecret()
        expect(yield* daemon.stop).toBe(true)
      })))

  it.effect("a stop right after a failure that was undone is clean: the last try at stop finds nothing left", () =>
    run(({ failWrites }) =>
      Effect.gen(function*() {
        const wallet = yield* createWallet({ name: "undone" })
        const daemon = yield* start(false)
        yield* Ref.set(failWrites, true)
        yield* Effect.flip(provisionMcpToken(wallet.id))
        yield* Ref.set(failWrites, false)
        expect(yield* pending).toEqual([wallet.id])
        expect(yield* daemon.stop).toBe(false)
      })))

  it.effect("a run that fails half-way makes the next one check every file, or the next start if the daemon stops first", () =>
    run(({ sweepDies }) =>
      Effect.gen(function*() {
        const orphan = yield* createWallet({ name: "orphan" })
        const daemon = yield* start(false)
        yield* plant(orphan.id)
        yield* Ref.set(sweepDies, true)
        yield* TestClock.adjust("1 minute")
        yield* eventually(Effect.map(Ref.get(sweepDies), (dies) => !dies))
        expect(Option.isSome(yield* fileOf(orphan.id))).toBe(true)
        yield* TestClock.adjust("1 minute")
        yield* eventually(Effect.map(fileOf(orphan.id), Option.isNone))
        expect(yield* daemon.stop).toBe(false)

        const second = yield* start(false)
        yield* Ref.set(sweepDies, true)
        yield* TestClock.adjust("1 minute")
        yield* eventually(Effect.map(Ref.get(sweepDies), (dies) => !dies))
        expect(yield* second.stop).toBe(true)
      })))
})
