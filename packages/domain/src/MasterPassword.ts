import { Clock, Data, Effect, Either, Option, Redacted, Ref } from "effect"
import { InvalidMasterPassword, MasterPasswordLocked } from "./Errors.js"
import { lockoutSeconds, MasterPasswordThrottle } from "./MasterPasswordThrottle.js"
import { MasterPasswordStore } from "./MasterPasswordStore.js"
import { Notifier } from "./Notifier.js"
import { PasswordHasher } from "./PasswordHasher.js"
import { nowSeconds, secondsText } from "./Time.js"

/** Start-up refused: the password given is not the one the data dir was first started with. */
export class MasterPasswordMismatch extends Data.TaggedError("MasterPasswordMismatch")<{}> {
  override get message() {
    return "The master password does not match the one this data directory was first started with."
  }
}

/** Start-up refused: a new data directory needs a password worth hashing. */
export class MasterPasswordTooShort extends Data.TaggedError("MasterPasswordTooShort")<{ readonly minLength: number }> {
  override get message() {
    return `The master password must be at least ${this.minLength} characters for a new data directory.`
  }
}

export const MASTER_PASSWORD_MIN_LENGTH = 8

/** At start: the first start stores the password's hash; every later start must present the same password. */
export const ensureMasterPassword = Effect.fn("MasterPassword.ensure")(function*(password: Redacted.Redacted<string>) {
  const store = yield* MasterPasswordStore
  const hasher = yield* PasswordHasher
  const stored = yield* store.get
  if (Option.isNone(stored)) {
    if (Redacted.value(password).length < MASTER_PASSWORD_MIN_LENGTH) {
      return yield* new MasterPasswordTooShort({ minLength: MASTER_PASSWORD_MIN_LENGTH })
    }
    yield* store.set(yield* hasher.hash(password))
    return "created" as const
  }
  if (!(yield* hasher.verify(stored.value, password))) return yield* new MasterPasswordMismatch()
  return "verified" as const
})

/**
 * 429 while a lockout lasts: checked before a password is looked at, and again right before it is verified;
 * the server also checks it before routing, so that a flood of guesses costs next to nothing.
 */
export const refuseWhileLocked = Effect.gen(function*() {
  const nowMs = yield* Clock.currentTimeMillis
  const { lockedUntilMs } = yield* Ref.get((yield* MasterPasswordThrottle).state)
  if (nowMs < lockedUntilMs) {
    // Whole seconds, rounded up: waiting that long is always enough.
    const retryAfter = Math.ceil((lockedUntilMs - nowMs) / 1000)
    return yield* new MasterPasswordLocked({
      message: `Master password locked after repeated failures; retry in ${secondsText(retryAfter)}`,
      details: { retryAfter }
    })
  }
})

/**
 * masterAuth: missing, empty or wrong are all the same 401, each recorded as MASTER_AUTH_FAILED. After
 * FREE_ATTEMPTS wrong passwords in a row every attempt is refused with 429 MASTER_PASSWORD_LOCKED — without
 * running argon2 — for an exponentially growing time; a right password resets the count. Verifications run
 * a few at a time, each after a fresh look at the lockout: guesses sent all at once are locked out as surely
 * as guesses sent one by one.
 */
export const checkMasterPassword = (password: Redacted.Redacted<string>) =>
  checkMasterPasswordWhile(password, Effect.void)

/**
 * checkMasterPassword, running `meanwhile` while argon2 computes (PasswordHasher.verifyWhile): work that can
 * be done before the caller is known to be allowed, such as reading a request. It runs only once a
 * verification has started (never for a missing password or during a lockout, so a flood of guesses cannot
 * make it run more often than argon2 does), and its outcome counts only for the right password: a wrong
 * one is the 401, whatever `meanwhile` did. So it must not change anything. Untraced: on the path of every
 * admin request.
 */
export const checkMasterPasswordWhile = <A, E, R>(password: Redacted.Redacted<string>, meanwhile: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const { checks, state } = yield* MasterPasswordThrottle
    const notifier = yield* Notifier
    yield* refuseWhileLocked
    if (Redacted.value(password) === "") {
      yield* notifier.notify({ type: "MASTER_AUTH_FAILED", at: yield* nowSeconds, details: { reason: "missing" } })
      return yield* new InvalidMasterPassword({ message: "X-Master-Password header is required" })
    }
    const stored = yield* (yield* MasterPasswordStore).get
    if (Option.isNone(stored)) return yield* Effect.dieMessage("master password hash missing: the daemon did not start properly")
    const hasher = yield* PasswordHasher
    // The outcome is counted before the permit is let go, so the next check already sees this failure.
    const checked = yield* checks.withPermits(1)(Effect.gen(function*() {
      yield* refuseWhileLocked
      const [verified, prepared] = yield* hasher.verifyWhile(stored.value, password, meanwhile)
      if (verified) {
        yield* Ref.set(state, { failures: 0, lockedUntilMs: 0 })
        return Either.right(prepared)
      }
      const nowMs = yield* Clock.currentTimeMillis
      const { failures } = yield* Ref.updateAndGet(state, ({ failures }) => {
        const lockout = lockoutSeconds(failures + 1)
        return { failures: failures + 1, lockedUntilMs: lockout > 0 ? nowMs + lockout * 1000 : 0 }
      })
      return Either.left({ at: Math.floor(nowMs / 1000), failures, lockout: lockoutSeconds(failures) })
    }))
    if (Either.isRight(checked)) return yield* checked.right
    const { at, failures, lockout } = checked.left
    yield* notifier.notify({
      type: "MASTER_AUTH_FAILED",
      at,
      details: lockout > 0 ? { reason: "wrong", failures, lockedForSeconds: lockout } : { reason: "wrong", failures }
    })
    return yield* new InvalidMasterPassword({ message: "Invalid master password" })
  })
