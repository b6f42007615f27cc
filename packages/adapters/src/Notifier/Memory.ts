import { type DomainEvent, Notifier } from "@waiaas/domain"
import { Context, Effect, Layer, Ref } from "effect"

/** The events a `NotifierMemory` received, oldest first; tests read them with `Ref.get`. */
export class RecordedEvents extends Context.Tag("waiaas/adapters/RecordedEvents")<
  RecordedEvents,
  Ref.Ref<ReadonlyArray<DomainEvent>>
>() {}

/** Records every event in memory (and provides `RecordedEvents` to read them). */
export const NotifierMemory: Layer.Layer<Notifier | RecordedEvents> = Layer.effectContext(
  Effect.gen(function*() {
    const recorded = yield* Ref.make<ReadonlyArray<DomainEvent>>([])
    const notifier = Notifier.of({ notify: (event) => Ref.update(recorded, (events) => [...events, event]) })
    return Context.make(Notifier, notifier).pipe(Context.add(RecordedEvents, recorded))
  })
)
