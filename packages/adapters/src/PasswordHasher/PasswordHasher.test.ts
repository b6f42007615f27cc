import { describe, expect, it } from "@effect/vitest"
import { PasswordHasher } from "@waiaas/domain"
import { Effect, Redacted } from "effect"
import { PasswordHasherArgon2, productionArgon2Params, testArgon2Params } from "./Argon2.js"
import { PasswordHasherMemory } from "./Memory.js"
import { passwordHasherContract } from "./PasswordHasher.contract.js"

passwordHasherContract("argon2", () => PasswordHasherArgon2(testArgon2Params))
passwordHasherContract("memory", () => PasswordHasherMemory)

const password = Redacted.make("hunter2-but-longer")

describe("PasswordHasherArgon2", () => {
  it.effect("two hashes of the same password differ (random salt) and both verify", () =>
    Effect.gen(function*() {
      const hasher = yield* PasswordHasher
      const [first, second] = [yield* hasher.hash(password), yield* hasher.hash(password)]
      expect(first).not.toBe(second)
      expect(yield* hasher.verify(first, password)).toBe(true)
      expect(yield* hasher.verify(second, password)).toBe(true)
    }).pipe(Effect.provide(PasswordHasherArgon2(testArgon2Params))))

  it.effect("hashes are argon2id PHC strings carrying their parameters; production defaults are OWASP's", () =>
    Effect.gen(function*() {
      const production = yield* Effect.flatMap(PasswordHasher, (h) => h.hash(password)).pipe(
        Effect.provide(PasswordHasherArgon2())
      )
      expect(production).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/)
      expect(productionArgon2Params).toEqual({ memoryCost: 19456, timeCost: 2, parallelism: 1 })
      const cheap = yield* Effect.flatMap(PasswordHasher, (h) => h.hash(password)).pipe(
        Effect.provide(PasswordHasherArgon2(testArgon2Params))
      )
      expect(cheap).toMatch(/^\$argon2id\$v=19\$m=4096,p=1,t=2\$/)
      // Parameters travel with the hash: a hasher configured otherwise still verifies it.
      const verified = yield* Effect.flatMap(PasswordHasher, (h) => h.verify(production, password)).pipe(
        Effect.provide(PasswordHasherArgon2(testArgon2Params))
      )
      expect(verified).toBe(true)
    }))
})

describe("PasswordHasherMemory", () => {
  it.effect("is fake$ followed by the sha256 hex of the password", () =>
    Effect.gen(function*() {
      const digest = yield* (yield* PasswordHasher).hash(Redacted.make("abc"))
      expect(digest).toBe("fake$ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }).pipe(Effect.provide(PasswordHasherMemory)))
})
