import { repairMarkedTokenFiles, repairTokenFiles, sweepExpiredSessions, TokenFileRepairs } from "@waiaas/domain"
import { Cause, Effect, Exit, Layer, Ref } from "effect"

/** How often expired sessions are swept while the daemon runs. */
export const SWEEP_INTERVAL = "1 minute"

export interface MaintenanceOptions {
  /**
   * The previous daemon on this data dir did not stop cleanly (killed, crashed, or stopped with repairs
   * left to do): check every token file against the sessions table before anything listens.
   */
  readonly repairAllAtStart: boolean
  /** Told at stop whether token-file work is left, which the next start must then do (see DataDirLock). */
  readonly onStop: (workLeft: boolean) => Effect.Effect<void>
}

/**
 * Start-up consistency, then the expiry sweeper: expired sessions are swept (their files go) before
 * anything listens, then every minute until the daemon stops.
 *
 * After a clean stop the token directory agrees with the sessions table: every change to it goes through
 * TokenFileSync under the wallet's lock, from programs that cannot be interrupted, and a change that did
 * not succeed marks its wallet. So only after an unclean stop is every file checked (one query, one
 * listing); every minute, only the marked wallets are, so that what a failing disk kept from happening (a
 * file not removed, a rotation's re-signed token not written) happens once it can. A run that did not
 * finish (a sweep may have marked sessions expired without removing their files) makes the next run check
 * every file again, or the next start if the daemon stops first.
 */
export const MaintenanceLive = (options: MaintenanceOptions) =>
  Layer.scopedDiscard(Effect.gen(function*() {
    const repairs = yield* TokenFileRepairs
    const repairAllDue = yield* Ref.make(options.repairAllAtStart)

    // Registered first, so that it runs last: after the periodic fiber has stopped.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        // One last try for the marked wallets: a failure shortly before the stop may have been undone.
        if (!(yield* Ref.get(repairAllDue))) yield* repairMarkedTokenFiles()
        const workLeft = (yield* Ref.get(repairAllDue)) || (yield* repairs.pending).length > 0
        if (workLeft) yield* Effect.logWarning("Stopping with token-file repairs left; the next start checks every token file")
        yield* options.onStop(workLeft)
      }).pipe(
        Effect.catchAllCause((cause) =>
          Effect.zipRight(Effect.logError("Token-file repair at stop failed", Cause.pretty(cause)), options.onStop(true))
        )
      )
    )

    const run = Effect.gen(function*() {
      const expiredSessions = yield* sweepExpiredSessions()
      const repairAll = yield* Ref.get(repairAllDue)
      const { reissued, removed } = repairAll ? yield* repairTokenFiles() : yield* repairMarkedTokenFiles()
      yield* Ref.set(repairAllDue, false)
      return { expiredSessions, repairAll, reissued, removed }
    }).pipe(Effect.onExit((exit) => Exit.isSuccess(exit) ? Effect.void : Ref.set(repairAllDue, true)))

    if (options.repairAllAtStart) {
      yield* Effect.logInfo("The previous daemon did not stop cleanly; checking every token file")
    }
    const atStart = yield* run
    yield* Effect.logInfo("Start-up maintenance done").pipe(
      Effect.annotateLogs(
        atStart.repairAll
          ? { expiredSessions: atStart.expiredSessions, reissuedTokenFiles: atStart.reissued, removedTokenFiles: atStart.removed }
          : { expiredSessions: atStart.expiredSessions, tokenFiles: "not rechecked (clean stop)" }
      )
    )
    yield* run.pipe(
      Effect.tap(({ expiredSessions }) =>
        expiredSessions > 0 ? Effect.logInfo("Expired sessions swept").pipe(Effect.annotateLogs({ handled: expiredSessions })) : Effect.void
      ),
      Effect.tap(({ reissued, removed }) =>
        reissued + removed > 0
          ? Effect.logInfo("Token files repaired").pipe(Effect.annotateLogs({ reissuedTokenFiles: reissued, removedTokenFiles: removed }))
          : Effect.void
      ),
      Effect.catchAllCause((cause) => Effect.logError("Maintenance run failed; the next one checks every token file", Cause.pretty(cause))),
      Effect.delay(SWEEP_INTERVAL),
      Effect.forever,
      Effect.forkScoped
    )
  }))
