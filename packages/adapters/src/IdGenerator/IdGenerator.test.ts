import { describe, expect, it } from "@effect/vitest"
import { IdGenerator } from "@waiaas/domain"
import { Effect, TestClock } from "effect"
import { idGeneratorContract } from "./IdGenerator.contract.js"
import { IdGeneratorSequential } from "./Sequential.js"
import { IdGeneratorUuidV7 } from "./UuidV7.js"

idGeneratorContract("uuid v7", () => IdGeneratorUuidV7)
idGeneratorContract("sequential", () => IdGeneratorSequential)

/** The 48-bit millisecond timestamp at the front of a UUID v7. */
const timestampOf = (id: string) => Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16)

describe("IdGeneratorUuidV7", () => {
  it.effect("embeds the Clock's time, not the wall clock", () =>
    Effect.gen(function*() {
      const ids = yield* IdGenerator
      yield* TestClock.setTime(1_750_000_123_456)
      expect(timestampOf(yield* ids.next)).toBe(1_750_000_123_456)
      yield* TestClock.adjust("1 hour")
      expect(timestampOf(yield* ids.next)).toBe(1_750_000_123_456 + 3_600_000)
    }).pipe(Effect.provide(IdGeneratorUuidV7)))

  it.effect("two fresh layers give different ids at the same instant (random bits)", () =>
    Effect.gen(function*() {
      const one = yield* Effect.flatMap(IdGenerator, (ids) => ids.next).pipe(Effect.provide(IdGeneratorUuidV7))
      const two = yield* Effect.flatMap(IdGenerator, (ids) => ids.next).pipe(Effect.provide(IdGeneratorUuidV7))
      expect(one).not.toBe(two)
    }))
})

describe("IdGeneratorSequential", () => {
  it.effect("gives the same sequence from every fresh layer", () =>
    Effect.gen(function*() {
      const first = yield* Effect.flatMap(IdGenerator, (ids) => Effect.replicateEffect(ids.next, 3)).pipe(
        Effect.provide(IdGeneratorSequential)
      )
      const again = yield* Effect.flatMap(IdGenerator, (ids) => Effect.replicateEffect(ids.next, 3)).pipe(
        Effect.provide(IdGeneratorSequential)
      )
      expect(first).toEqual([
        "00000000-0000-7000-8000-000000000001",
        "00000000-0000-7000-8000-000000000002",
        "00000000-0000-7000-8000-000000000003"
      ])
      expect(again).toEqual(first)
    }))
})
