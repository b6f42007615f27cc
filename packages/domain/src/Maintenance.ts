import { Effect } from "effect"
import { Notifier } from "./Notifier.js"
import { SessionRepo } from "./SessionRepo.js"
import { nowSeconds } from "./Time.js"
import { removeTokenFileOf } from "./TokenFileSync.js"

/** Sessions handled per sweep batch: keeps each write short next to request traffic. */
const SWEEP_BATCH = 500

/**
 * The expiry sweeper (every minute, and at start): each expired session not yet handled is marked, its
 * MCP token file removed (if it still holds that session's token), and SESSION_EXPIRED recorded once.
 * Returns how many sessions it handled.
 */
export const sweepExpiredSessions = Effect.fn("Maintenance.sweepExpiredSessions")(function*() {
  const sessions = yield* SessionRepo
  const notifier = yield* Notifier
  let handled = 0
  while (true) {
    const now = yield* nowSeconds
    const due = yield* sessions.findDueForExpiry(now, SWEEP_BATCH)
    if (due.length === 0) return handled
    yield* sessions.markExpired(due.map((session) => session.id), now)
    for (const session of due) {
      if (session.source === "mcp") yield* removeTokenFileOf(session)
      yield* notifier.notify({ type: "SESSION_EXPIRED", walletId: session.walletId, sessionId: session.id, at: now })
    }
    handled += due.length
  }
})
