import {
  AgentGroup,
  CurrentRequestId,
  CurrentSessionView,
  describeSession,
  type ErrorSpec,
  InvalidToken,
  makeSessionAuthenticator,
  SessionAuth,
  SessionRevoked,
  TokenExpired
} from "@waiaas/domain"
import { Clock, Effect, Redacted, Runtime, Schema } from "effect"
import type * as http from "node:http"
import type { Answer } from "./ErrorResponse.js"
import type { PreRoute } from "./NodeServer.js"
import { answerDirectly, isAllowedHost, requestIdFrom, unexpectedFailure } from "./RequestPolicy.js"

const endpoint = AgentGroup.endpoints.session
const encodeSuccess = Schema.encode(CurrentSessionView) // the endpoint's success schema
const encodeFailure = Schema.encode(SessionAuth.failure)

/** The bearer token of `Authorization: Bearer <token>`, as HttpApiSecurity.bearer reads it. */
const BEARER = "Bearer "

/**
 * `GET /v1/session`, the route every agent calls, answered before the HTTP app: the same programs
 * (sessionAuth, describeSession), bodies encoded by the contract's own schemas (the endpoint's success,
 * SessionAuth's failures), the same headers and log line. What it skips is the per-request cost of the
 * router, HttpApi's middleware chain and a fiber per layer of it, which is several times the work of the
 * check itself (bench/README.md).
 *
 * It claims only the plainest form of the request: exactly `GET /v1/session`, an allowed Host, a bearer
 * token, no body. Everything else (a query string, a body, a missing header, …) goes on to HttpApi, which
 * answers it as before. That both paths answer alike is tested request by request.
 */
export const makeSessionFastPath = Effect.gen(function*() {
  const authenticate = yield* makeSessionAuthenticator
  const run = Runtime.runCallback(yield* Effect.runtime<Effect.Effect.Context<ReturnType<typeof describeSession>>>())

  // Written with pipes rather than Effect.gen, and the request id set only where an error body reads it:
  // this runs on every agent request.
  const answer = (token: string, requestId: string, request: http.IncomingMessage, response: http.ServerResponse) =>
    Effect.flatMap(Clock.currentTimeMillis, (startedAt) =>
      authenticate(Redacted.make(token)).pipe(
        Effect.flatMap(describeSession),
        Effect.flatMap((view) => Effect.orDie(encodeSuccess(view))),
        Effect.map((view): Answer => ({ status: 200, body: view })),
        Effect.catchAll((error) => failed(error, requestId)),
        Effect.catchAllCause((cause) => unexpectedFailure(cause, requestId)),
        Effect.flatMap((answer) => answerDirectly(request, response, answer, requestId, startedAt))
      ))

  return ((request, response) => {
    const authorization = request.headers.authorization
    const givenRequestId = request.headers["x-request-id"]
    if (
      request.method !== "GET" || request.url !== endpoint.path || !isAllowedHost(request.headers.host) ||
      authorization === undefined || !authorization.startsWith(BEARER) || Array.isArray(givenRequestId) ||
      request.headers["content-length"] !== undefined || request.headers["transfer-encoding"] !== undefined
    ) return false
    const requestId = requestIdFrom(givenRequestId)
    run(answer(authorization.slice(BEARER.length), requestId, request, response))
    return true
  }) satisfies PreRoute
})

type SessionAuthFailure = typeof SessionAuth.failure.Type

const failureSpecs: { readonly [Tag in SessionAuthFailure["_tag"]]: ErrorSpec } = {
  InvalidToken: InvalidToken.spec,
  TokenExpired: TokenExpired.spec,
  SessionRevoked: SessionRevoked.spec
}

/** A declared failure of sessionAuth, as HttpApi encodes it (the schema reads the request id). */
const failed = (error: SessionAuthFailure, requestId: string) =>
  encodeFailure(error).pipe(
    Effect.orDie,
    Effect.map((body): Answer => ({ status: failureSpecs[error._tag].status, body })),
    Effect.locally(CurrentRequestId, requestId)
  )
