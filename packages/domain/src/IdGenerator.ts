import { Context, type Effect } from "effect"

/** Source of fresh UUID v7 strings; a port so that tests can make ids deterministic. */
export class IdGenerator extends Context.Tag("waiaas/IdGenerator")<IdGenerator, {
  readonly next: Effect.Effect<string>
}>() {}
