import { HttpApiBuilder } from "@effect/platform"
import { Api, createSession, listSessions, revokeSession } from "@waiaas/domain"
import { Effect, Redacted } from "effect"

export const SessionsLive = HttpApiBuilder.group(Api, "sessions", (handlers) =>
  handlers
    .handle("create", ({ payload }) =>
      createSession({ walletId: payload.walletId, expiresIn: payload.expiresIn, source: "api" }).pipe(
        Effect.map(({ session, token }) => ({
          id: session.id,
          token: Redacted.value(token),
          expiresAt: session.expiresAt,
          walletId: session.walletId
        }))
      ))
    .handle("list", ({ urlParams }) => Effect.map(listSessions(urlParams), (items) => ({ items })))
    .handle("revoke", ({ path }) =>
      Effect.map(revokeSession(path.id), ({ alreadyRevoked, session }) => ({ ...session, alreadyRevoked }))))
