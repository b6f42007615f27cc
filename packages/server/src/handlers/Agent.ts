import { HttpApiBuilder } from "@effect/platform"
import { Api, CurrentSession, describeSession, getWallet } from "@waiaas/domain"
import { Effect } from "effect"

export const AgentLive = HttpApiBuilder.group(Api, "agent", (handlers) =>
  handlers
    .handle("session", () => Effect.flatMap(CurrentSession, describeSession))
    .handle("wallet", () => Effect.flatMap(CurrentSession, (auth) => getWallet(auth.session.walletId))))
