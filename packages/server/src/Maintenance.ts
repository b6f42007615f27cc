import { repairTokenFiles, sweepExpiredSessions } from "@waiaas/domain"
import { Cause, Effect, Layer } from "effect"

/** How often expired sessions are swept while the daemon runs. */
export const SWEEP_INTERVAL = "1 minute"

/**
 * Start-up consistency, then the expiry sweeper: first expired sessions are swept (their files go), then
 * the token directory is repaired against the sessions table (after a crash), before anything listens.
 * Both then run every minute until the daemon stops, so that what a failing disk kept from happening (a
 * file not removed, a rotation's re-signed token not written) happens once it can; a failed run is logged
 * and retried.
 */
export const MaintenanceLive = Layer.scopedDiscard(Effect.gen(function*() {
  const swept = yield* sweepExpiredSessions()
  const { reissued, removed } = yield* repairTokenFiles()
  yield* Effect.logInfo("Start-up maintenance done").pipe(
    Effect.annotateLogs({ expiredSessions: swept, reissuedTokenFiles: reissued, removedTokenFiles: removed })
  )
  yield* sweepExpiredSessions().pipe(
    Effect.tap((handled) => handled > 0 ? Effect.logInfo("Expired sessions swept").pipe(Effect.annotateLogs({ handled })) : Effect.void),
    Effect.zipRight(repairTokenFiles()),
    Effect.tap(({ reissued, removed }) =>
      reissued + removed > 0
        ? Effect.logInfo("Token files repaired").pipe(Effect.annotateLogs({ reissuedTokenFiles: reissued, removedTokenFiles: removed }))
        : Effect.void
    ),
    Effect.catchAllCause((cause) => Effect.logError("Expiry sweep failed", Cause.pretty(cause))),
    Effect.delay(SWEEP_INTERVAL),
    Effect.forever,
    Effect.forkScoped
  )
}))
