import { EventLog } from "@waiaas/domain"
import { Effect, Layer, Ref } from "effect"
import { MemoryStore } from "../MemoryStore.js"
import { rowsForPage, toPage } from "./Page.js"

/** The events NotifierMemory recorded in MemoryStore, paged exactly as EventLogSqlite pages its table. */
export const EventLogMemory: Layer.Layer<EventLog, never, MemoryStore> = Layer.effect(
  EventLog,
  Effect.map(MemoryStore, ({ locked, state }) =>
    EventLog.of({
      page: ({ before, limit }) =>
        locked(Effect.map(Ref.get(state), (s) => {
          const newestFirst = s.events
            .filter((event) => before === undefined || event.id < before)
            .toSorted((a, b) => a.id < b.id ? 1 : a.id > b.id ? -1 : 0)
          return toPage(newestFirst.slice(0, rowsForPage(limit)), limit)
        }))
    }))
)
