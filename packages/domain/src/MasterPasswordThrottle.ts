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
  /**
   * Epoch milliseconds until which every attempt is refused without checking the password. Milliseconds, so
   * that a lockout of n seconds lasts n seconds from the failure that set it, not to the end of a second.
   */
  readonly lockedUntilMs: number
}

/** Master-password checks verified at once; the others wait, and look at the lockout again when it is their turn. */
export const CONCURRENT_PASSWORD_CHECKS = 2

/**
 * Consecutive master-password failures, daemon-wide (every caller is local, so there is no per-client
 * key worth having). Kept in memory: a restart needs the master password anyway.
 */
export class MasterPasswordThrottle extends Context.Tag("waiaas/MasterPasswordThrottle")<MasterPasswordThrottle, {
  readonly state: Ref.Ref<ThrottleState>
  /** Permits to verify a password: the lockout is read again under one, so that a burst cannot outrun it. */
  readonly checks: Effect.Semaphore
}>() {
  static readonly layer = Layer.effect(
    MasterPasswordThrottle,
    Effect.all({
      state: Ref.make<ThrottleState>({ failures: 0, lockedUntilMs: 0 }),
      checks: Effect.makeSemaphore(CONCURRENT_PASSWORD_CHECKS)
    })
  )
}
