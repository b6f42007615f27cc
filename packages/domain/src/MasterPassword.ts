import { Data, Effect, Option, Redacted } from "effect"
import { InvalidMasterPassword } from "./Errors.js"
import { MasterPasswordStore } from "./MasterPasswordStore.js"
import { PasswordHasher } from "./PasswordHasher.js"

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

/** masterAuth: missing, empty or wrong are all the same 401. */
export const checkMasterPassword = Effect.fn("MasterPassword.check")(function*(password: Redacted.Redacted<string>) {
  if (Redacted.value(password) === "") {
    return yield* new InvalidMasterPassword({ message: "X-Master-Password header is required" })
  }
  const stored = yield* (yield* MasterPasswordStore).get
  if (Option.isNone(stored)) return yield* Effect.dieMessage("master password hash missing: the daemon did not start properly")
  if (!(yield* (yield* PasswordHasher).verify(stored.value, password))) {
    return yield* new InvalidMasterPassword({ message: "Invalid master password" })
  }
})
