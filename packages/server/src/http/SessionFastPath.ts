import {
  AgentGroup,
  CurrentRequestId,
  CurrentSessionView,
  describeSession,
  errorBody,
  type ErrorSpec,
  InternalError,
  InvalidToken,
  makeSessionAuthenticator,
  SessionAuth,
  SessionRevoked,
  TokenExpired
} from "@waiaas/domain"
import { Effect, Redacted, Runtime, Schema } from "effect"
import type * as http from "node:http"
import type { PreRoute } from "./NodeServer.js"
import { isAllowedHost, logRequest, requestIdFrom, securityHeaders } from "./RequestPolicy.js"

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

  const answer = (token: string, requestId: string, response: http.ServerResponse, method: string, url: string) =>
    Effect.gen(function*() {
      const startedAt = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
      const [status, body] = yield* authenticate(Redacted.make(token)).pipe(
        Effect.flatMap(describeSession),
        Effect.flatMap(encodeSuccess),
        Effect.map((view) => [200, view] as const),
        Effect.catchTags({
          InvalidToken: (error) => failed(InvalidToken.spec, error),
          TokenExpired: (error) => failed(TokenExpired.spec, error),
          SessionRevoked: (error) => failed(SessionRevoked.spec, error)
        }),
        Effect.catchAllCause((cause) =>
          Effect.as(
            Effect.logError("Request failed with an unexpected error", cause),
            [
              InternalError.spec.status,
              errorBody(InternalError.spec, { message: "Internal error; see the daemon log for this request id" }, requestId)
            ] as const
          )
        ),
        Effect.locally(CurrentRequestId, requestId)
      )
      yield* Effect.sync(() => {
        const json = JSON.stringify(body)
        response.writeHead(status, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(json),
          ...securityHeaders(requestId)
        })
        response.end(json)
      })
      yield* logRequest(method, url, status, requestId, startedAt)
    })

  return ((request, response) => {
    const authorization = request.headers.authorization
    const givenRequestId = request.headers["x-request-id"]
    if (
      request.method !== "GET" || request.url !== endpoint.path || !isAllowedHost(request.headers.host) ||
      authorization === undefined || !authorization.startsWith(BEARER) || Array.isArray(givenRequestId) ||
      request.headers["content-length"] !== undefined || request.headers["transfer-encoding"] !== undefined
    ) return false
    const requestId = requestIdFrom(givenRequestId)
    run(answer(authorization.slice(BEARER.length), requestId, response, request.method, request.url))
    return true
  }) satisfies PreRoute
})

/** A declared failure of sessionAuth, as HttpApi encodes it (the schema reads the request id). */
const failed = (spec: ErrorSpec, error: typeof SessionAuth.failure.Type) =>
  Effect.map(Effect.orDie(encodeFailure(error)), (body) => [spec.status, body] as const)
