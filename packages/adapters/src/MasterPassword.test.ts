import { describe, expect, it } from "@effect/vitest"
import { checkMasterPassword, ensureMasterPassword, EventLog, FREE_ATTEMPTS, lockoutSeconds } from "@waiaas/domain"
import { Effect, Either, Redacted, TestClock } from "effect"
import { stacks } from "./testing/stacks.js"

const pw = Redacted.make
const outcome = <A, E extends { _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.either(effect), Either.match({ onLeft: (e) => e._tag, onRight: () => "ok" }))

describe("lockoutSeconds", () => {
  it("is free for the first attempts, then doubles from 1 s up to 15 minutes", () => {
    expect([1, 4, 5, 6, 7, 10, 15, 100].map(lockoutSeconds)).toEqual([0, 0, 1, 2, 4, 32, 900, 900])
  })
})

describe.each(stacks)("master password on the %s stack", (_, makeStack) => {
  const run = <A, E>(effect: Effect.Effect<A, E, any>) =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_800_000_000_000)
      return yield* effect
    }).pipe(Effect.provide(makeStack()), Effect.scoped) as Effect.Effect<A, E>

  it.effect("the first start stores it, later starts must match it", () =>
    run(Effect.gen(function*() {
      expect(yield* ensureMasterPassword(pw("first password"))).toBe("created")
      expect(yield* ensureMasterPassword(pw("first password"))).toBe("verified")
      expect(yield* outcome(ensureMasterPassword(pw("other password")))).toBe("MasterPasswordMismatch")
    })))

  it.effect("a new data directory refuses a password under 8 characters", () =>
    run(Effect.gen(function*() {
      expect(yield* outcome(ensureMasterPassword(pw("short")))).toBe("MasterPasswordTooShort")
      expect(yield* ensureMasterPassword(pw("12345678"))).toBe("created")
    })))

  it.effect("masterAuth refuses empty and wrong passwords alike, and records each failure", () =>
    run(Effect.gen(function*() {
      yield* ensureMasterPassword(pw("the password"))
      yield* checkMasterPassword(pw("the password"))
      for (const wrong of ["", "the passwor", "the password "]) {
        expect(yield* outcome(checkMasterPassword(pw(wrong)))).toBe("InvalidMasterPassword")
      }
      const events = yield* (yield* EventLog).page({ limit: 10 })
      expect(events.items.map((e) => e.type)).toEqual(["MASTER_AUTH_FAILED", "MASTER_AUTH_FAILED", "MASTER_AUTH_FAILED"])
      expect(JSON.stringify(events.items)).not.toContain("the passwor")
    })))

  it.effect("locks out after repeated failures, even the right password, for a doubling time; success resets", () =>
    run(Effect.gen(function*() {
      yield* ensureMasterPassword(pw("the password"))
      for (let i = 0; i < FREE_ATTEMPTS; i++) yield* outcome(checkMasterPassword(pw("guess")))
      const locked = yield* Effect.flip(checkMasterPassword(pw("the password")))
      expect(locked).toMatchObject({ _tag: "MasterPasswordLocked", details: { retryAfter: 1 } })
      yield* TestClock.adjust("1 second")
      expect(yield* outcome(checkMasterPassword(pw("guess")))).toBe("InvalidMasterPassword")
      expect(yield* Effect.flip(checkMasterPassword(pw("the password")))).toMatchObject({ details: { retryAfter: 2 } })
      yield* TestClock.adjust("2 seconds")
      expect(yield* outcome(checkMasterPassword(pw("the password")))).toBe("ok")
      for (let i = 0; i < FREE_ATTEMPTS - 1; i++) {
        expect(yield* outcome(checkMasterPassword(pw("guess")))).toBe("InvalidMasterPassword")
      }
      expect(yield* outcome(checkMasterPassword(pw("the password")))).toBe("ok")
    })))
})
