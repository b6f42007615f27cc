import { PasswordHasher, verdictAfter } from "@waiaas/domain"
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
 * At most this many argon2 computations at once (one per core here). Each takes one of libuv's four threads for
 * tens of milliseconds; bounding them keeps a flood of password guesses from starving the file writes
 * and database work that share that pool. Extra callers wait their turn.
 */
export const MAX_CONCURRENT_ARGON2 = 2

/**
 * argon2id password hashes in the PHC string format (salt and parameters included), so a hash made with
 * other parameters still verifies.
 */
export const PasswordHasherArgon2 = (params: Argon2Params = productionArgon2Params): Layer.Layer<PasswordHasher> =>
  Layer.sync(PasswordHasher, () => {
    const permits = Effect.unsafeMakeSemaphore(MAX_CONCURRENT_ARGON2)
    // A malformed or foreign hash is a mismatch, not a crash.
    const started = (digest: string, password: Redacted.Redacted<string>): Promise<boolean> =>
      verify(digest, Redacted.value(password)).catch(() => false)
    return PasswordHasher.of({
      hash: (password) =>
        permits.withPermits(1)(Effect.promise(() => hash(Redacted.value(password), { type: argon2id, ...params }))).pipe(
          Effect.withSpan("PasswordHasher.hash")
        ),
      // Untraced: every admin request verifies the master password.
      verify: (digest, password) => permits.withPermits(1)(Effect.promise(() => started(digest, password))),
      // The verification is started (handed to the pool) before `meanwhile` runs, and awaited after it, so the
      // permit is held until argon2 is done, whatever `meanwhile` did.
      verifyWhile: (digest, password, meanwhile) =>
        permits.withPermits(1)(Effect.suspend(() => {
          const verdict = started(digest, password)
          return verdictAfter(meanwhile, Effect.promise(() => verdict))
        }))
    })
  })
