import { Context, type Effect, type Option } from "effect"

/** A secret that is no longer current: it may still verify (never sign) for a grace window after `rotatedAt`. */
export interface RetiredSecret {
  readonly secret: Uint8Array
  /** Epoch seconds: when the rotation that retired it ran. */
  readonly rotatedAt: number
}

/** The secrets in use: the current one signs and verifies; the previous one, if any, only verifies. */
export interface JwtSecretState {
  readonly current: Uint8Array
  readonly previous: Option.Option<RetiredSecret>
}

/**
 * The HS256 secrets the jose signer uses (an adapter-side port: the domain never sees a secret). A 32-byte
 * current secret is created on first start and kept. `state` is served from memory (verifying never
 * queries storage); `rotate` persists first, then swaps the state. How long the previous secret stays
 * acceptable is the signer's decision (`DaemonSettings.rotationGracePeriod`), not this port's.
 */
export class JwtSecrets extends Context.Tag("waiaas/adapters/JwtSecrets")<JwtSecrets, {
  readonly state: Effect.Effect<JwtSecretState>
  /**
   * A new random current secret, created at `now` (epoch seconds); the old current becomes the previous
   * (retired at `now`) and any older previous is dropped. Concurrent rotations run one after the other.
   */
  readonly rotate: (now: number) => Effect.Effect<void>
}>() {}
