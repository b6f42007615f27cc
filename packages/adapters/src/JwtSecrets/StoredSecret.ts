import { randomBytes } from "node:crypto"
import { EpochSeconds } from "@waiaas/domain"
import { Effect, Option, Schema } from "effect"
import type { JwtSecretState } from "./JwtSecrets.js"

// The key_value rows shared by JwtSecretsSqlite and JwtSecretsMemory (so the fake survives a "restart" the
// same way), in the original daemon's format.
export const CURRENT_KEY = "jwt_secret_current"
export const PREVIOUS_KEY = "jwt_secret_previous"

/** A `key_value` value: `{"secret": <64 hex digits>, "createdAt": <epoch seconds>}`. */
export const StoredSecret = Schema.parseJson(Schema.Struct({
  secret: Schema.Uint8ArrayFromHex.pipe(Schema.filter((bytes) => bytes.length === 32 || "must be 32 bytes")),
  createdAt: EpochSeconds
}))
export type StoredSecret = typeof StoredSecret.Type

export const decodeStoredSecret = Schema.decode(StoredSecret)
export const encodeStoredSecret = Schema.encode(StoredSecret)

export const newStoredSecret = (now: number): StoredSecret => ({ secret: Uint8Array.from(randomBytes(32)), createdAt: now })

/**
 * The state the stored rows describe. A previous row only ever exists next to the current secret its
 * rotation created, so it was retired when that current secret was created.
 */
export const stateOf = (current: StoredSecret, previous: Option.Option<StoredSecret>): JwtSecretState => ({
  current: current.secret,
  previous: Option.map(previous, (old) => ({ secret: old.secret, rotatedAt: current.createdAt }))
})

/** What `rotate(now)` writes, given the stored current secret: both encoded rows and the resulting state. */
export const rotationOf = (current: StoredSecret, now: number) =>
  Effect.gen(function*() {
    const next = newStoredSecret(now)
    return {
      currentValue: yield* encodeStoredSecret(next),
      previousValue: yield* encodeStoredSecret(current),
      state: stateOf(next, Option.some(current))
    }
  })
