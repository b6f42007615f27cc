import { Headers, HttpApiClient, HttpClient, HttpClientError, HttpClientRequest } from "@effect/platform"
import { Api, ErrorBody, type McpTokenResponse, type McpTokenSummary, type Wallet, type WalletId } from "@waiaas/domain"
import { Cause, Data, Duration, Effect, Option, Redacted, Schema } from "effect"

// The CLI's typed client of the daemon, derived from the shared HttpApi contract. Every failure becomes one
// readable sentence: the daemon's own `message — hint`, or what went wrong on the way there.

export class DaemonUnreachable extends Data.TaggedError("DaemonUnreachable")<{ readonly baseUrl: string }> {
  override get message() {
    return `WAIaaS daemon is not reachable at ${this.baseUrl} — start it with \`npm start\``
  }
}

export class DaemonRequestFailed extends Data.TaggedError("DaemonRequestFailed")<{
  readonly message: string
  /** The daemon's error code, when it answered with one. */
  readonly code?: string
}> {}

export type DaemonError = DaemonUnreachable | DaemonRequestFailed

/** /health must answer quickly; anything slower is not a daemon we want to talk to. */
const HEALTH_TIMEOUT = Duration.seconds(3)
/** Admin calls verify the password with argon2 on the daemon side: give them time. */
const REQUEST_TIMEOUT = Duration.seconds(60)

const MASTER_PASSWORD_HEADER = "x-master-password"

/** `message — hint`, as the daemon phrased them. */
const sentence = (message: string, hint: string | undefined) =>
  hint === undefined || hint === "" ? message : `${message.replace(/\.$/, "")} — ${hint}`

/** The declared wire errors carry their code and hint on their class (`spec`, see domain ApiError.ts). */
const specOf = (error: object): { readonly code?: string; readonly hint?: string } | undefined => {
  const spec = (error.constructor as { readonly spec?: unknown }).spec
  return typeof spec === "object" && spec !== null ? spec as { readonly code?: string; readonly hint?: string } : undefined
}

const decodeErrorBody = Schema.decodeUnknown(ErrorBody)

/** A response the contract does not declare (another status, another code): read its error body if it has one. */
const undeclaredResponse = (error: HttpClientError.ResponseError) =>
  error.response.json.pipe(
    Effect.flatMap(decodeErrorBody),
    Effect.map((body) => new DaemonRequestFailed({ message: sentence(body.message, body.hint), code: body.code })),
    Effect.orElseSucceed(() =>
      new DaemonRequestFailed({
        message: `The daemon answered HTTP ${error.response.status} to ${error.request.method} ${
          new URL(error.request.url).pathname
        }, which this CLI does not understand (is it the same version?)`
      })
    )
  )

/** Hints say "retry after details.retryAfter seconds"; a person wants the number. */
const retryAfterOf = (error: object): string => {
  const details = "details" in error ? error.details : undefined
  const seconds = typeof details === "object" && details !== null && "retryAfter" in details ? details.retryAfter : undefined
  return typeof seconds === "number" ? ` (retry after: ${Math.ceil(seconds)} s)` : ""
}

const isDaemonError = (error: unknown): error is DaemonError =>
  error instanceof DaemonUnreachable || error instanceof DaemonRequestFailed

const toDaemonError = (baseUrl: string, timeout: Duration.Duration) => (error: unknown): Effect.Effect<never, DaemonError> => {
  if (isDaemonError(error)) return Effect.fail(error)
  if (HttpClientError.isHttpClientError(error)) {
    if (error._tag === "RequestError") {
      return error.reason === "InvalidUrl"
        ? Effect.fail(new DaemonRequestFailed({ message: `Invalid daemon URL: ${baseUrl}` }))
        : Effect.fail(new DaemonUnreachable({ baseUrl }))
    }
    return Effect.flatMap(undeclaredResponse(error), Effect.fail)
  }
  if (Cause.isTimeoutException(error)) {
    return Effect.fail(
      new DaemonRequestFailed({ message: `The daemon at ${baseUrl} did not answer within ${Duration.format(timeout)}` })
    )
  }
  if (typeof error !== "object" || error === null) return Effect.fail(new DaemonRequestFailed({ message: String(error) }))
  const message = "message" in error && typeof error.message === "string" ? error.message : String(error)
  const spec = specOf(error)
  if (spec !== undefined) {
    return Effect.fail(new DaemonRequestFailed({
      message: sentence(message, spec.hint) + retryAfterOf(error),
      ...(spec.code === undefined ? {} : { code: spec.code })
    }))
  }
  if ("_tag" in error && error._tag === "ParseError") {
    return Effect.fail(new DaemonRequestFailed({
      message: `Unexpected answer from the daemon at ${baseUrl} (is it the same version as this CLI?)`
    }))
  }
  return Effect.fail(new DaemonRequestFailed({ message }))
}

export interface AdminClient {
  readonly listWallets: Effect.Effect<ReadonlyArray<Wallet>, DaemonError>
  readonly listMcpTokens: Effect.Effect<ReadonlyArray<typeof McpTokenSummary.Type>, DaemonError>
  readonly provisionMcpToken: (
    walletId: WalletId,
    expiresIn: Option.Option<number>
  ) => Effect.Effect<typeof McpTokenResponse.Type, DaemonError>
}

export interface DaemonClient {
  readonly baseUrl: string
  /** GET /health with a short timeout: fails with DaemonUnreachable when nothing (or no daemon) answers. */
  readonly health: Effect.Effect<{ readonly version: string; readonly uptime: number }, DaemonError>
  /** The admin routes, with `X-Master-Password` set on each request (and redacted should one ever be logged). */
  readonly withPassword: (password: Redacted.Redacted<string>) => AdminClient
}

export const makeDaemonClient = (baseUrl: string) =>
  Effect.gen(function*() {
    const httpClient = yield* HttpClient.HttpClient
    const client = (password: Option.Option<Redacted.Redacted<string>>) =>
      HttpApiClient.make(Api, {
        baseUrl,
        transformClient: (c) =>
          Option.match(password, {
            onNone: () => c,
            onSome: (value) =>
              HttpClient.mapRequest(c, HttpClientRequest.setHeader(MASTER_PASSWORD_HEADER, Redacted.value(value)))
          })
      }).pipe(Effect.provideService(HttpClient.HttpClient, httpClient))

    const call = <A, E>(request: Effect.Effect<A, E>, timeout = REQUEST_TIMEOUT) =>
      request.pipe(
        Effect.timeout(timeout),
        Effect.catchAll(toDaemonError(baseUrl, timeout)),
        Effect.locallyWith(Headers.currentRedactedNames, (names) => [...names, MASTER_PASSWORD_HEADER])
      )

    const publicApi = yield* client(Option.none())

    const health = publicApi.health.health().pipe(
      Effect.timeoutFail({ duration: HEALTH_TIMEOUT, onTimeout: () => new DaemonUnreachable({ baseUrl }) }),
      call,
      Effect.catchTag("DaemonRequestFailed", (error) =>
        error.code !== undefined
          ? Effect.fail(error)
          // Something answers, but not as our daemon would: another program on the port, a proxy, …
          : Effect.fail(new DaemonRequestFailed({ message: `Something answers at ${baseUrl}, but not as a WAIaaS daemon: ${error.message}` })))
    )

    const withPassword = (password: Redacted.Redacted<string>): AdminClient => {
      const admin = client(Option.some(password))
      return {
        listWallets: call(Effect.flatMap(admin, (api) => Effect.map(api.wallets.list(), (list) => list.items))),
        listMcpTokens: call(Effect.flatMap(admin, (api) => Effect.map(api.mcp.list(), (list) => list.items))),
        provisionMcpToken: (walletId, expiresIn) =>
          call(Effect.flatMap(admin, (api) =>
            api.mcp.provision({
              payload: Option.match(expiresIn, {
                onNone: () => ({ walletId }),
                onSome: (seconds) => ({ walletId, expiresIn: seconds })
              })
            })))
      }
    }

    return { baseUrl, health, withPassword } satisfies DaemonClient
  })
