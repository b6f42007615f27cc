import { type DomainEvent, type IdGenerator, Notifier } from "@waiaas/domain"
import { Context, Effect, Layer, Ref } from "effect"
import { MemoryStore } from "../MemoryStore.js"
import { makeRecordingNotifier } from "./Recorder.js"

/**
 * Every event a `NotifierMemory` received, oldest first, exactly as the caller passed it; tests read them
 * with `Ref.get`. (The audit log proper is `MemoryState.events`, read through EventLogMemory.)
 */
export class RecordedEvents extends Context.Tag("waiaas/adapters/RecordedEvents")<
  RecordedEvents,
  Ref.Ref<ReadonlyArray<DomainEvent>>
>() {}

/**
 * Records every event into MemoryStore's `events`, as NotifierSqlite does into its table (same ids, same
 * validation, same never-fail rule; a rolled-back TransactionMemory takes its events with it, like SQLite),
 * and provides `RecordedEvents`.
 */
export const NotifierMemory: Layer.Layer<Notifier | RecordedEvents, never, MemoryStore | IdGenerator> = Layer
  .effectContext(
    Effect.gen(function*() {
      const { locked, state } = yield* MemoryStore
      const received = yield* Ref.make<ReadonlyArray<DomainEvent>>([])
      const recording = yield* makeRecordingNotifier((record) =>
        locked(Ref.update(state, (s) => ({ ...s, events: [...s.events, record] })))
      )
      const notifier = Notifier.of({
        notify: (event) => Effect.zipRight(Ref.update(received, (events) => [...events, event]), recording.notify(event))
      })
      return Context.make(Notifier, notifier).pipe(Context.add(RecordedEvents, received))
    })
  )
