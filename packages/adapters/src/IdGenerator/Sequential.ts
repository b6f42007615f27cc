import { IdGenerator } from "@waiaas/domain"
import { Effect, Layer, Ref } from "effect"

/**
 * Deterministic ids for tests: `00000000-0000-7000-8000-000000000001`, `…002`, … — valid lower-case UUID v7
 * strings, strictly increasing, the same sequence for every fresh layer.
 */
export const IdGeneratorSequential: Layer.Layer<IdGenerator> = Layer.effect(
  IdGenerator,
  Effect.gen(function*() {
    const counter = yield* Ref.make(0)
    const next = Effect.map(
      Ref.updateAndGet(counter, (n) => n + 1),
      (n) => `00000000-0000-7000-8000-${n.toString(16).padStart(12, "0")}`
    )
    return IdGenerator.of({ next })
  })
)
