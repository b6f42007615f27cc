import { Context, type Effect, type Option } from "effect"
import type { EventId, EventRecord } from "./Notifier.js"

export interface EventPage {
  readonly items: ReadonlyArray<EventRecord>
  /** Pass as `before` for the next (older) page; none on the last page. */
  readonly nextCursor: Option.Option<EventId>
}

/** Reads the recorded events, newest first. */
export class EventLog extends Context.Tag("waiaas/EventLog")<EventLog, {
  readonly page: (options: { readonly limit: number; readonly before?: EventId | undefined }) => Effect.Effect<EventPage>
}>() {}
