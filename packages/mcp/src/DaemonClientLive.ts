import { FetchHttpClient, HttpApiClient, HttpClient, HttpClientError, HttpClientRequest } from "@effect/platform"
import { Api, ErrorBody } from "@waiaas/domain"
import { type Duration, Effect, Layer, Option, ParseResult, Redacted, Schema } from "effect"
import { DaemonClient, DaemonUnreachable, UnexpectedResponse } from "./DaemonClient.js"
import { ServerConfig } from "./ServerConfig.js"

/** A local daemon answers in milliseconds; one that takes this long is stuck, and the tool says so. */
export const REQUEST_TIMEOUT: Duration.DurationInput = "10 seconds"

const decodeErrorBody = Schema.decodeUnknownOption(ErrorBody)

type HttpStackError = HttpClientError.HttpClientError | ParseResult.ParseError

/** Maps what the HTTP stack can fail with, at this edge, to what the rest of the server reasons about. */
const atTheEdge = (baseUrl: string) =>
<A, E, R>(
  effect: Effect.Effect<A, E | HttpStackError, R>
): Effect.Effect<A, Exclude<E, HttpStackError> | DaemonUnreachable | UnexpectedResponse, R> =>
  effect.pipe(
    Effect.timeoutFail({
      duration: REQUEST_TIMEOUT,
      onTimeout: () => new DaemonUnreachable({ baseUrl, detail: "no answer within 10 seconds" })
    }),
    Effect.catchAll((error): Effect.Effect<never, Exclude<E, HttpStackError> | DaemonUnreachable | UnexpectedResponse> => {
      if (HttpClientError.isHttpClientError(error)) {
        return error._tag === "RequestError"
          ? Effect.fail(new DaemonUnreachable({ baseUrl, detail: causeText(error.cause) ?? error.message }))
          : Effect.flatMap(
            Effect.option(error.response.json),
            (body) => Effect.fail(new UnexpectedResponse({ detail: describeUnexpected(error.response.status, body) }))
          )
      }
      if (ParseResult.isParseError(error)) {
        return Effect.fail(
          new UnexpectedResponse({
            detail: "the daemon's answer does not match this MCP server's API contract (are both the same version?)"
          })
        )
      }
      // What is left is a wire error the contract declares (or our DaemonUnreachable from the timeout).
      return Effect.fail(error as Exclude<E, HttpStackError> | DaemonUnreachable)
    })
  )

const describeUnexpected = (status: number, body: Option.Option<unknown>): string =>
  Option.match(Option.flatMap(body, decodeErrorBody), {
    onNone: () => `HTTP ${status} with a body this MCP server does not understand`,
    onSome: (error) => `HTTP ${status} ${error.code}: ${error.message}`
  })

/** fetch wraps the socket error (ECONNREFUSED, ENOTFOUND, …) in a generic "fetch failed". */
const causeText = (cause: unknown): string | undefined => {
  const inner = cause instanceof Error && cause.cause instanceof Error ? cause.cause : cause
  if (typeof inner === "object" && inner !== null && "code" in inner) return String(inner.code)
  return inner instanceof Error ? inner.message : undefined
}

/** The daemon client derived from the shared HttpApi contract, so routes, codes and bodies cannot drift. */
export const DaemonClientLive = Layer.effect(
  DaemonClient,
  Effect.gen(function*() {
    const { baseUrl } = yield* ServerConfig
    const httpClient = yield* HttpClient.HttpClient
    const edge = atTheEdge(baseUrl)
    const clientFor = (token: Redacted.Redacted<string>) =>
      HttpApiClient.make(Api, {
        baseUrl,
        transformClient: HttpClient.mapRequest(HttpClientRequest.bearerToken(token))
      }).pipe(Effect.provideService(HttpClient.HttpClient, httpClient))

    return DaemonClient.of({
      wallet: (token) => edge(Effect.flatMap(clientFor(token), (client) => client.agent.wallet())),
      session: (token) => edge(Effect.flatMap(clientFor(token), (client) => client.agent.session())),
      renew: (token, sessionId) =>
        edge(
          Effect.flatMap(clientFor(token), (client) => client.renewal.renew({ path: { id: sessionId } })).pipe(
            Effect.map((renewed) => ({ ...renewed, token: Redacted.make(renewed.token) }))
          )
        )
    })
  })
).pipe(Layer.provide(FetchHttpClient.layer))
