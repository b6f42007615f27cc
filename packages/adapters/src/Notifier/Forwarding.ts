import { Notifier } from "@waiaas/domain"
import { Context, Effect, Layer } from "effect"
import { afterCommit } from "../Transaction/AfterCommit.js"

/** Hears nothing: what `forwarding` is built over, so that it only forwards. */
const silent = Notifier.of({ notify: () => Effect.void })

/**
 * The recording Notifier it is provided with, plus `forwarding`, a decorator that sends events out of the
 * process (withWebhookLive). Inside a transaction an event is recorded with it, and forwarded only once it
 * has committed, never if it rolls back: nobody outside hears of something that did not happen. Outside a
 * transaction it is recorded, then forwarded at once.
 */
export const forwardAfterCommit = <E, R>(
  forwarding: Layer.Layer<Notifier, E, Notifier | R>
): Layer.Layer<Notifier, E, Notifier | Exclude<R, Notifier>> =>
  Layer.scoped(
    Notifier,
    Effect.gen(function*() {
      const recording = yield* Notifier
      const forwarder = Context.get(
        yield* Layer.build(forwarding.pipe(Layer.provide(Layer.succeed(Notifier, silent)))),
        Notifier
      )
      return Notifier.of({
        notify: (event) => Effect.zipRight(recording.notify(event), afterCommit(forwarder.notify(event)))
      })
    })
  )
