import { describe, expect, it } from "@effect/vitest"
import {
  checkMasterPassword,
  checkMasterPasswordWhile,
  ensureMasterPassword,
  EventLog,
  FREE_ATTEMPTS,
  lockoutSeconds
} from "@waiaas/domain"
import { Effect, Either, Redacted, Ref, TestClock } from "effect"
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

  it.effect("a lockout lasts its full length from the failure that set it, even one late in a second", () =>
    run(Effect.gen(function*() {
      yield* ensureMasterPassword(pw("the password"))
      yield* TestClock.adjust("900 millis") // 0.9 s into a second: the lockout must not end at the next one
      for (let i = 0; i < FREE_ATTEMPTS; i++) yield* outcome(checkMasterPassword(pw("guess")))
      yield* TestClock.adjust("500 millis")
      const locked = yield* Effect.flip(checkMasterPassword(pw("the password")))
      expect(locked).toMatchObject({ _tag: "MasterPasswordLocked", details: { retryAfter: 1 } })
      yield* TestClock.adjust("499 millis")
      expect(yield* outcome(checkMasterPassword(pw("the password")))).toBe("MasterPasswordLocked")
      yield* TestClock.adjust("1 millis")
      expect(yield* outcome(checkMasterPassword(pw("the password")))).toBe("ok")
    })))

  it.effect("checkMasterPasswordWhile: meanwhile's outcome counts only for the right password", () =>
    run(Effect.gen(function*() {
      yield* ensureMasterPassword(pw("the password"))
      const runs = yield* Ref.make(0)
      const counted = <A, E>(effect: Effect.Effect<A, E>) => Effect.zipRight(Ref.update(runs, (n) => n + 1), effect)
      expect(yield* checkMasterPasswordWhile(pw("the password"), counted(Effect.succeed("read")))).toBe("read")
      expect(yield* Effect.flip(checkMasterPasswordWhile(pw("the password"), counted(Effect.fail("bad payload"))))).toBe(
        "bad payload"
      )
      // A wrong password is the 401, whatever meanwhile did, and is counted as a failure like any other.
      const wrong = yield* Effect.flip(checkMasterPasswordWhile(pw("guess"), counted(Effect.fail("bad payload"))))
      expect(wrong).toMatchObject({ _tag: "InvalidMasterPassword" })
      expect(yield* Ref.get(runs)).toBe(3)
      const events = yield* (yield* EventLog).page({ limit: 10 })
      expect(events.items.map((e) => e.type)).toEqual(["MASTER_AUTH_FAILED"])
    })))

  it.effect("checkMasterPasswordWhile runs meanwhile only when a password is verified: not when missing or locked out", () =>
    run(Effect.gen(function*() {
      yield* ensureMasterPassword(pw("the password"))
      const runs = yield* Ref.make(0)
      const meanwhile = Ref.update(runs, (n) => n + 1)
      expect(yield* outcome(checkMasterPasswordWhile(pw(""), meanwhile))).toBe("InvalidMasterPassword")
      expect(yield* Ref.get(runs)).toBe(0)
      for (let i = 0; i < FREE_ATTEMPTS; i++) yield* outcome(checkMasterPasswordWhile(pw("guess"), meanwhile))
      expect(yield* Ref.get(runs)).toBe(FREE_ATTEMPTS)
      expect(yield* outcome(checkMasterPasswordWhile(pw("the password"), meanwhile))).toBe("MasterPasswordLocked")
      expect(yield* Ref.get(runs)).toBe(FREE_ATTEMPTS)
    })))
})
