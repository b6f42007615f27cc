import { HttpApiBuilder } from "@effect/platform"
import { Api, CurrentSession, describeSession } from "@waiaas/domain"
import { Effect } from "effect"

export const AgentLive = HttpApiBuilder.group(Api, "agent", (handlers) =>
  handlers.handle("session", () => Effect.flatMap(CurrentSession, describeSession)))
