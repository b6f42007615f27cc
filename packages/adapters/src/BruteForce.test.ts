import { describe, expect, it } from "@effect/vitest"
import { checkMasterPassword, ensureMasterPassword, EventLog, FREE_ATTEMPTS, PasswordHasher } from "@waiaas/domain"
import { Effect, Either, Layer, Redacted, Ref, TestClock } from "effect"
import { stacks } from "./testing/stacks.js"

// The lockout must hold against guesses sent all at once, not only one after another: a burst must not get
// every guess checked because all of them passed the "locked?" test before the first failure was counted.

const pw = Redacted.make
const outcome = <A, E extends { _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.either(effect), Either.match({ onLeft: (e) => e._tag, onRight: () => "ok" }))

/** Counts the argon2 verifications the stack's PasswordHasher runs. */
const countingHasher = (verifications: Ref.Ref<number>) =>
  Layer.effect(
    PasswordHasher,
    Effect.map(PasswordHasher, (hasher) =>
      PasswordHasher.of({
        ...hasher,
        verify: (digest, password) => Effect.zipRight(Ref.update(verifications, (n) => n + 1), hasher.verify(digest, password)),
        verifyWhile: (digest, password, meanwhile) =>
          Effect.zipRight(Ref.update(verifications, (n) => n + 1), hasher.verifyWhile(digest, password, meanwhile))
      }))
  )

describe.each(stacks)("master password brute force on the %s stack", (_, makeStack) => {
  it.effect("a burst of concurrent wrong passwords gets only the free attempts verified; the rest are locked out", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_800_000_000_000)
      const verifications = yield* Ref.make(0)
      yield* Effect.gen(function*() {
        yield* ensureMasterPassword(pw("the password"))
        yield* Ref.set(verifications, 0)
        const burst = [
          ...Array.from({ length: process.env.WAIAAS_SOAK === "1" ? 400 : 40 }, (_, i) => outcome(checkMasterPassword(pw(`guess ${i}`)))),
          outcome(checkMasterPassword(pw("the password"))) // queued behind the guesses: locked out as well
        ]
        const outcomes = yield* Effect.all(burst, { concurrency: "unbounded" })
        const wrong = outcomes.filter((o) => o === "InvalidMasterPassword").length
        // At most one check per verification slot can still be under way when the fifth failure locks.
        expect(wrong).toBeGreaterThanOrEqual(FREE_ATTEMPTS)
        expect(wrong).toBeLessThanOrEqual(FREE_ATTEMPTS + 1)
        expect(outcomes.filter((o) => o === "MasterPasswordLocked")).toHaveLength(burst.length - wrong)
        expect(outcomes.at(-1)).toBe("MasterPasswordLocked")
        expect(yield* Ref.get(verifications)).toBe(wrong)
        const events = yield* (yield* EventLog).page({ limit: 100 })
        expect(events.items.filter((e) => e.type === "MASTER_AUTH_FAILED")).toHaveLength(wrong)
      }).pipe(Effect.provide(Layer.provideMerge(countingHasher(verifications), makeStack())))
    }).pipe(Effect.scoped))
})
