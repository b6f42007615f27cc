import { describe, expect, it } from "@effect/vitest"
import { checkMasterPassword, ensureMasterPassword } from "@waiaas/domain"
import { Effect, Layer, Redacted } from "effect"
import { MasterPasswordStoreMemory } from "./MasterPasswordStore/Memory.js"
import { MemoryStore } from "./MemoryStore.js"
import { PasswordHasherMemory } from "./PasswordHasher/Memory.js"

const TestPorts = Layer.merge(MasterPasswordStoreMemory.pipe(Layer.provide(MemoryStore.layer)), PasswordHasherMemory)

const pw = Redacted.make

describe("master password", () => {
  it.effect("the first start stores it, later starts must match it", () =>
    Effect.gen(function*() {
      expect(yield* ensureMasterPassword(pw("first password"))).toBe("created")
      expect(yield* ensureMasterPassword(pw("first password"))).toBe("verified")
      expect((yield* Effect.flip(ensureMasterPassword(pw("other password"))))._tag).toBe("MasterPasswordMismatch")
    }).pipe(Effect.provide(TestPorts)))

  it.effect("a new data directory refuses a password under 8 characters", () =>
    Effect.gen(function*() {
      expect((yield* Effect.flip(ensureMasterPassword(pw("short"))))._tag).toBe("MasterPasswordTooShort")
      expect(yield* ensureMasterPassword(pw("12345678"))).toBe("created")
    }).pipe(Effect.provide(TestPorts)))

  it.effect("masterAuth refuses empty and wrong passwords alike with InvalidMasterPassword", () =>
    Effect.gen(function*() {
      yield* ensureMasterPassword(pw("the password"))
      yield* checkMasterPassword(pw("the password"))
      for (const wrong of ["", "the passwor", "the password "]) {
        expect((yield* Effect.flip(checkMasterPassword(pw(wrong))))._tag).toBe("InvalidMasterPassword")
      }
    }).pipe(Effect.provide(TestPorts)))
})
