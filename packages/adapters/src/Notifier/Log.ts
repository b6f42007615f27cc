import { type DomainEvent, Notifier } from "@waiaas/domain"
import { Effect, Layer } from "effect"

const annotationsOf = (event: DomainEvent) => ({
  type: event.type,
  walletId: event.walletId,
  ...(event.sessionId !== undefined ? { sessionId: event.sessionId } : {}),
  at: event.at
})

/** Events as structured info logs. Events never carry secrets, and logging cannot fail the caller. */
export const NotifierLog: Layer.Layer<Notifier> = Layer.succeed(
  Notifier,
  Notifier.of({
    notify: (event) =>
      Effect.logInfo(`Domain event ${event.type}`).pipe(
        Effect.annotateLogs(annotationsOf(event)),
        Effect.catchAllCause(() => Effect.void)
      )
  })
)
