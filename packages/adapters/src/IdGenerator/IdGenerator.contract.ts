import { describe, expect, it } from "@effect/vitest"
import { IdGenerator, isUuidV7 } from "@waiaas/domain"
import { Effect, type Layer, TestClock } from "effect"

export const idGeneratorContract = (name: string, makeLayer: () => Layer.Layer<IdGenerator>) =>
  describe(`IdGenerator contract: ${name}`, () => {
    const take = (count: number) =>
      Effect.flatMap(IdGenerator, (ids) => Effect.replicateEffect(ids.next, count))

    it.effect("ids are lower-case UUID v7 strings", () =>
      Effect.gen(function*() {
        for (const id of yield* take(100)) expect(isUuidV7(id), id).toBe(true)
      }).pipe(Effect.provide(makeLayer())))

    it.effect("10,000 ids are unique and strictly increasing in string order, with the clock frozen", () =>
      Effect.gen(function*() {
        const ids = yield* take(10_000)
        expect(new Set(ids).size).toBe(10_000)
        for (let i = 1; i < ids.length; i++) expect(ids[i - 1]! < ids[i]!, `${ids[i - 1]} < ${ids[i]}`).toBe(true)
      }).pipe(Effect.provide(makeLayer())))

    it.effect("ids keep increasing as the clock moves forward, and when it steps back", () =>
      Effect.gen(function*() {
        const ids: Array<string> = []
        for (const ms of [1_750_000_000_000, 1_750_000_000_001, 1_750_000_500_000, 1_749_000_000_000]) {
          yield* TestClock.setTime(ms)
          ids.push(...(yield* take(3)))
        }
        expect(ids.toSorted()).toEqual(ids)
        expect(new Set(ids).size).toBe(ids.length)
      }).pipe(Effect.provide(makeLayer())))
  })
