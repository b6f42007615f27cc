import { Context, Effect, Layer, Ref } from "effect"

/** Wrong passwords allowed in a row before the first lockout. */
export const FREE_ATTEMPTS = 5
/** The longest lockout, in seconds. */
export const MAX_LOCKOUT_SECONDS = 15 * 60

/** Lockout after `failures` consecutive wrong passwords: none for the free ones, then 1 s doubling to 15 min. */
export const lockoutSeconds = (failures: number): number =>
  failures < FREE_ATTEMPTS ? 0 : Math.min(2 ** (failures - FREE_ATTEMPTS), MAX_LOCKOUT_SECONDS)

export interface ThrottleState {
  readonly failures: number
  /** Epoch seconds until which every attempt is refused without checking the password. */
  readonly lockedUntil: number
}

/**
 * Consecutive master-password failures, daemon-wide (every caller is local, so there is no per-client
 * key worth having). Kept in memory: a restart needs the master password anyway.
 */
export class MasterPasswordThrottle extends Context.Tag("waiaas/MasterPasswordThrottle")<MasterPasswordThrottle, {
  readonly state: Ref.Ref<ThrottleState>
}>() {
  static readonly layer = Layer.effect(
    MasterPasswordThrottle,
    Effect.map(Ref.make<ThrottleState>({ failures: 0, lockedUntil: 0 }), (state) => ({ state }))
  )
}
