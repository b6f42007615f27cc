import { Clock, Effect, Schema } from "effect"

/** Every time field on the wire and in storage is whole seconds since the epoch. */
export const EpochSeconds = Schema.Int.pipe(Schema.nonNegative()).annotations({ identifier: "EpochSeconds" })
export type EpochSeconds = typeof EpochSeconds.Type

export const nowSeconds: Effect.Effect<number> = Effect.map(Clock.currentTimeMillis, (ms) => Math.floor(ms / 1000))

/** "1 second", "5 seconds": for messages people read. */
export const secondsText = (seconds: number): string => `${seconds} second${seconds === 1 ? "" : "s"}`
