import { randomFillSync } from "node:crypto"
import { IdGenerator } from "@waiaas/domain"
import { Clock, Effect, Layer } from "effect"
import { v7 } from "uuid"

interface V7State {
  readonly msecs: number
  readonly seq: number
}

/**
 * The next (msecs, seq) pair: a new millisecond starts from a random 31-bit seq, the same or an earlier
 * one (frozen TestClock, clock stepped back) increments it, so ids strictly increase per layer. This is
 * uuid's own monotonic rule, kept here because uuid applies it only when it reads `Date.now()` itself.
 */
const advance = (state: V7State, now: number, random: Uint8Array): V7State => {
  if (now > state.msecs) {
    return { msecs: now, seq: ((random[6]! << 23) | (random[7]! << 16) | (random[8]! << 8) | random[9]!) >>> 0 }
  }
  const seq = (state.seq + 1) >>> 0
  return seq === 0 ? { msecs: state.msecs + 1, seq } : { msecs: state.msecs, seq }
}

/** 16 random bytes at a time from a pool refilled in 4 KiB: one call into the CSPRNG per 256 ids. */
const pooledRandom = () => {
  const pool = new Uint8Array(4096)
  let used = pool.length
  return (): Uint8Array => {
    if (used === pool.length) {
      randomFillSync(pool)
      used = 0
    }
    used += 16
    return pool.slice(used - 16, used)
  }
}

/** Lower-case UUID v7 whose timestamp comes from `Clock`, time-ordered even under `TestClock`. */
export const IdGeneratorUuidV7: Layer.Layer<IdGenerator> = Layer.sync(IdGenerator, () => {
  let state: V7State = { msecs: -Infinity, seq: 0 }
  const random = pooledRandom()
  return IdGenerator.of({
    next: Effect.map(Clock.currentTimeMillis, (now) => {
      const bytes = random()
      state = advance(state, now, bytes)
      return v7({ msecs: state.msecs, seq: state.seq, random: bytes })
    })
  })
})
