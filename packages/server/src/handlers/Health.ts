import { HttpApiBuilder } from "@effect/platform"
import { Api, VERSION } from "@waiaas/domain"
import { Clock, Effect } from "effect"

export const HealthLive = HttpApiBuilder.group(Api, "health", (handlers) =>
  Effect.gen(function*() {
    const startedAt = yield* Clock.currentTimeMillis
    return handlers.handle("health", () =>
      Effect.map(Clock.currentTimeMillis, (now) => ({
        status: "ok" as const,
        version: VERSION,
        uptime: Math.floor((now - startedAt) / 1000)
      })))
  }))
