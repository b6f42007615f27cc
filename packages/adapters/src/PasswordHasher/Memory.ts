import { createHash } from "node:crypto"
import { PasswordHasher, verifyAfter } from "@waiaas/domain"
import { Effect, Layer, Redacted } from "effect"

const fakeHash = (password: Redacted.Redacted<string>) =>
  `fake$${createHash("sha256").update(Redacted.value(password), "utf8").digest("hex")}`

/** A fast, deterministic stand-in for argon2 in tests: `fake$` + sha256 hex. Not for real passwords. */
export const PasswordHasherMemory: Layer.Layer<PasswordHasher> = Layer.sync(PasswordHasher, () => {
  const verify = (digest: string, password: Redacted.Redacted<string>) => Effect.sync(() => digest === fakeHash(password))
  return PasswordHasher.of({
    hash: (password) => Effect.sync(() => fakeHash(password)),
    verify,
    verifyWhile: verifyAfter(verify)
  })
})
