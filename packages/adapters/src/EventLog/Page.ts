import type { EventPage, EventRecord } from "@waiaas/domain"
import { Option } from "effect"

/** Whole rows, never negative (a negative LIMIT would mean "no limit" to SQLite). */
const pageSize = (limit: number): number => Math.max(0, Math.trunc(limit))

/** How many of the newest matching events to read for a page of `limit`: one more, to see if it is the last. */
export const rowsForPage = (limit: number): number => pageSize(limit) + 1

/**
 * The page of `limit` events out of `newestFirst` (read with `rowsForPage`): the cursor is the id of its
 * oldest item when anything older remains, and none on the last page.
 */
export const toPage = (newestFirst: ReadonlyArray<EventRecord>, limit: number): EventPage => {
  const items = newestFirst.slice(0, pageSize(limit))
  const oldest = items.at(-1)
  return {
    items,
    nextCursor: newestFirst.length > items.length && oldest !== undefined ? Option.some(oldest.id) : Option.none()
  }
}
