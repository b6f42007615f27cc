import { Effect } from "effect"
import { EventLog } from "./EventLog.js"
import type { EventId } from "./Notifier.js"

export const DEFAULT_EVENT_PAGE = 50
export const MAX_EVENT_PAGE = 500

/** `GET /v1/admin/events`: the audit log, newest first, in pages. */
export const listEvents = Effect.fn("Events.list")(function*(options: {
  readonly limit?: number | undefined
  readonly cursor?: EventId | undefined
}) {
  const page = yield* (yield* EventLog).page({ limit: options.limit ?? DEFAULT_EVENT_PAGE, before: options.cursor })
  return { items: page.items, nextCursor: page.nextCursor._tag === "Some" ? page.nextCursor.value : null }
})
