import { randomBytes } from "node:crypto"
import { IdGenerator } from "@waiaas/domain"
import { Clock, Effect, Layer, Ref } from "effect"
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

/** Lower-case UUID v7 whose timestamp comes from `Clock`, time-ordered even under `TestClock`. */
export const IdGeneratorUuidV7: Layer.Layer<IdGenerator> = Layer.effect(
  IdGenerator,
  Effect.gen(function*() {
    const state = yield* Ref.make<V7State>({ msecs: -Infinity, seq: 0 })
    const next = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const random = new Uint8Array(randomBytes(16))
      const { msecs, seq } = yield* Ref.updateAndGet(state, (s) => advance(s, now, random))
      return v7({ msecs, seq, random })
    })
    return IdGenerator.of({ next })
  })
)
