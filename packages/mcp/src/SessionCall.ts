import { Effect, type Redacted } from "effect"
import { type AgentCallError, isTokenRejected } from "./DaemonClient.js"
import { TokenSource } from "./TokenSource.js"
import { NoValidToken } from "./TokenState.js"

/**
 * Calls the daemon with the session token. After a 401 the token file is re-read once and the call retried,
 * so that re-provisioning and secret rotation heal a running server without a restart.
 */
export const withSessionToken = <A>(
  call: (token: Redacted.Redacted<string>) => Effect.Effect<A, AgentCallError>
): Effect.Effect<A, AgentCallError | NoValidToken, TokenSource> =>
  Effect.gen(function*() {
    const tokens = yield* TokenSource
    const first = yield* tokens.current
    if (first._tag === "NoToken") return yield* new NoValidToken({ reason: first.reason })
    return yield* call(first.token).pipe(
      Effect.catchIf(isTokenRejected, (error) =>
        Effect.gen(function*() {
          const next = yield* tokens.rejected(first.token, error)
          if (next._tag === "NoToken") return yield* new NoValidToken({ reason: next.reason })
          return yield* call(next.token).pipe(
            Effect.catchIf(isTokenRejected, (again) =>
              Effect.flatMap(tokens.rejected(next.token, again), (last) =>
                Effect.fail(
                  new NoValidToken({
                    reason: last._tag === "NoToken" ? last.reason : "the daemon refused the newest token too"
                  })
                )))
          )
        }))
    )
  })
