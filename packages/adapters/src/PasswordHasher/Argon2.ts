import { PasswordHasher } from "@waiaas/domain"
import { argon2id, hash, verify } from "argon2"
import { Effect, Layer, Redacted } from "effect"

/** argon2id cost parameters; the variant is fixed (argon2id resists both GPU and side-channel attacks). */
export interface Argon2Params {
  /** KiB. */
  readonly memoryCost: number
  readonly timeCost: number
  readonly parallelism: number
}

/** OWASP's minimum for argon2id: 19 MiB, 2 iterations, 1 lane. */
export const productionArgon2Params: Argon2Params = { memoryCost: 19_456, timeCost: 2, parallelism: 1 }

/** Cheap enough for test suites; never use outside tests. */
export const testArgon2Params: Argon2Params = { memoryCost: 4_096, timeCost: 2, parallelism: 1 }

/**
 * argon2id password hashes in the PHC string format (salt and parameters included), so a hash made with
 * other parameters still verifies.
 */
export const PasswordHasherArgon2 = (params: Argon2Params = productionArgon2Params): Layer.Layer<PasswordHasher> =>
  Layer.succeed(
    PasswordHasher,
    PasswordHasher.of({
      hash: (password) =>
        Effect.promise(() => hash(Redacted.value(password), { type: argon2id, ...params })).pipe(
          Effect.withSpan("PasswordHasher.hash")
        ),
      // A malformed or foreign hash is a mismatch, not a crash.
      verify: (digest, password) =>
        Effect.tryPromise(() => verify(digest, Redacted.value(password))).pipe(
          Effect.orElseSucceed(() => false),
          Effect.withSpan("PasswordHasher.verify")
        )
    })
  )
