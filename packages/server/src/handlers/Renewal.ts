import { HttpApiBuilder } from "@effect/platform"
import { Api, PresentedToken, renewSession } from "@waiaas/domain"
import { Effect, Redacted } from "effect"

export const RenewalLive = HttpApiBuilder.group(Api, "renewal", (handlers) =>
  handlers.handle("renew", ({ path }) =>
    PresentedToken.pipe(
      Effect.flatMap(({ claims, token }) => renewSession(path.id, token, claims)),
      Effect.map((renewed) => ({ ...renewed, token: Redacted.value(renewed.token) }))
    )))
