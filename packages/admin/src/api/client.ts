import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpApiClient from "@effect/platform/HttpApiClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Api } from "@waiaas/domain/Api"
import { ErrorBody } from "@waiaas/domain/ApiError"
import type { EventId } from "@waiaas/domain/Notifier"
import type { SessionStatus } from "@waiaas/domain/Session"
import type { SessionId, WalletId } from "@waiaas/domain/Ids"
import type { Chain } from "@waiaas/domain/Wallet"
import { Cause, Duration, Effect, Exit, FiberRef, Option, ParseResult, Schema } from "effect"
import { ApiError, fromErrorBody, TIMEOUT, UNREACHABLE } from "./ApiError.js"

// The Admin UI's only way to the daemon: the client derived from the domain's HttpApi contract, so every
// request, response and error is defined once, in `@waiaas/domain/Api`. Components never see Effect:
// they call e.g. `api.wallets.list()` and get a Promise that rejects with an `ApiError`.

/** What one call needs from the HTTP layer below it, and what it learns from the answer. */
interface CallState {
  readonly password: string | undefined
  /** Set once a response arrived (any status). */
  status: number | undefined
  /** An error response's body, read before the contract decodes it (it keeps requestId and hint). */
  errorBody: Option.Option<ErrorBody>
  retryAfterHeader: string | undefined
}

const CurrentCall = FiberRef.unsafeMake<CallState | undefined>(undefined)

const decodeErrorBody = Schema.decodeUnknownOption(Schema.parseJson(ErrorBody))

/** Adds the master password, and keeps a copy of every error body for `toApiError`. */
const transformClient = (client: HttpClient.HttpClient): HttpClient.HttpClient =>
  client.pipe(
    HttpClient.mapRequestEffect((request) =>
      Effect.map(FiberRef.get(CurrentCall), (call) =>
        call?.password === undefined ? request : HttpClientRequest.setHeader(request, "x-master-password", call.password))
    ),
    HttpClient.transformResponse(Effect.flatMap((response) =>
      Effect.gen(function*() {
        const call = yield* FiberRef.get(CurrentCall)
        if (call !== undefined) call.status = response.status
        if (response.status < 400 || call === undefined) return response
        const bytes = yield* response.arrayBuffer
        call.errorBody = decodeErrorBody(new TextDecoder().decode(bytes))
        call.retryAfterHeader = response.headers["retry-after"]
        // The body was consumed: hand the contract a fresh response with the same bytes to decode.
        return HttpClientResponse.fromWeb(
          response.request,
          new Response(bytes, { status: response.status, headers: response.headers })
        )
      })
    )),
    HttpClient.withTracerPropagation(false),
    HttpClient.withTracerDisabledWhen(() => true)
  )

const makeClient = (baseUrl: string) => HttpApiClient.make(Api, { baseUrl, transformClient })

export type Client = Effect.Effect.Success<ReturnType<typeof makeClient>>

class CallTimeout {
  readonly _tag = "CallTimeout"
}

/** Turns whatever a call failed with into the one error shape the UI shows. */
export const toApiError = (cause: Cause.Cause<unknown>, call: CallState, timeoutMs: number, nowMs: number): ApiError => {
  if (Cause.isInterruptedOnly(cause)) return new ApiError({ kind: "aborted", code: "ABORTED", message: "Cancelled" })
  const failure = Cause.failureOption(cause)
  const error: unknown = Option.getOrUndefined(failure) ?? Cause.squash(cause)
  const tag = typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
    ? error._tag
    : undefined

  if (call.status !== undefined && call.status >= 400) {
    if (Option.isSome(call.errorBody)) {
      // The body says it all; the tag says which of the contract's errors it decoded to, if any.
      const contractTag = error instanceof ParseResult.ParseError || error instanceof HttpClientError.ResponseError
        ? undefined
        : tag
      return fromErrorBody(call.errorBody.value, call.status, call.retryAfterHeader, contractTag, nowMs)
    }
    return new ApiError({
      kind: "unexpected",
      status: call.status,
      code: `HTTP_${call.status}`,
      message: `The daemon answered ${call.status} without an error body`
    })
  }
  if (error instanceof CallTimeout) {
    return new ApiError({
      kind: "unreachable",
      code: TIMEOUT,
      message: `The daemon did not answer within ${Math.round(timeoutMs / 1000)} s`,
      retryable: true
    })
  }
  if (error instanceof HttpClientError.RequestError && error.reason === "Transport") {
    return new ApiError({
      kind: "unreachable",
      code: UNREACHABLE,
      message: "The daemon is not responding",
      hint: "Start it with: waiaas start (or npm start in the repository), then retry.",
      retryable: true
    })
  }
  if (error instanceof ParseResult.ParseError) {
    const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
    const first = issues[0]
    const text = first === undefined ? error.message : `${first.path.length > 0 ? `${first.path.join(".")}: ` : ""}${first.message}`
    return call.status === undefined
      ? new ApiError({ kind: "invalid", code: "INVALID_INPUT", message: text, details: { issues } })
      : new ApiError({
        kind: "unexpected",
        status: call.status,
        code: "UNEXPECTED_RESPONSE",
        message: `The daemon's answer does not match the contract: ${text}`,
        hint: "The Admin UI and the daemon may be from different versions; rebuild the UI and reload."
      })
  }
  return new ApiError({
    kind: "unexpected",
    code: "UNEXPECTED",
    message: error instanceof Error ? error.message : String(error)
  })
}

export interface ApiOptions {
  /** Where the daemon is, e.g. `location.origin`: the UI is served by the daemon itself. */
  readonly baseUrl: string
  /** The master password for admin calls; read at every call, kept by the caller in memory only. */
  readonly password: () => string | undefined
  /** Any 401 (unless the call brought its own password, as login does). */
  readonly onUnauthorized?: (error: ApiError) => void
  /** No answer from the daemon. */
  readonly onUnreachable?: (error: ApiError) => void
  /** Any answer from the daemon, error or not. */
  readonly onReachable?: () => void
  /** Per call; default 10 s. */
  readonly timeoutMs?: number
  /** For tests: the fetch to use instead of the global one. */
  readonly fetch?: typeof globalThis.fetch
}

export interface CallOptions {
  /** Use this password instead of the current one (login), and do not treat a 401 as a logout. */
  readonly password?: string
  /** Send no password (public routes). */
  readonly anonymous?: boolean
  readonly signal?: AbortSignal
}

export interface EventPageQuery {
  readonly limit?: number
  readonly cursor?: EventId | undefined
}

export interface SessionQuery {
  readonly walletId?: WalletId
  readonly status?: SessionStatus
  readonly limit?: number
}

export const createApi = (options: ApiOptions) => {
  const timeoutMs = options.timeoutMs ?? 10_000
  const client = Effect.runSync(makeClient(options.baseUrl).pipe(Effect.provide(FetchHttpClient.layer)))

  const call = async <A, E>(request: (client: Client) => Effect.Effect<A, E>, callOptions: CallOptions = {}): Promise<A> => {
    const state: CallState = {
      password: callOptions.anonymous === true ? undefined : callOptions.password ?? options.password(),
      status: undefined,
      errorBody: Option.none(),
      retryAfterHeader: undefined
    }
    let effect: Effect.Effect<A, E | CallTimeout> = request(client).pipe(
      Effect.timeoutFail({ duration: Duration.millis(timeoutMs), onTimeout: () => new CallTimeout() }),
      Effect.provideService(FetchHttpClient.RequestInit, { credentials: "same-origin" }),
      Effect.locally(CurrentCall, state)
    )
    if (options.fetch !== undefined) effect = Effect.provideService(effect, FetchHttpClient.Fetch, options.fetch)
    const exit = await Effect.runPromiseExit(effect, callOptions.signal === undefined ? undefined : { signal: callOptions.signal })
    if (Exit.isSuccess(exit)) {
      options.onReachable?.()
      return exit.value
    }
    const error = toApiError(exit.cause, state, timeoutMs, Date.now())
    if (error.kind === "unreachable") options.onUnreachable?.(error)
    else if (error.kind !== "aborted" && error.kind !== "invalid") options.onReachable?.()
    if (error.status === 401 && callOptions.password === undefined) options.onUnauthorized?.(error)
    throw error
  }

  return {
    /** Checks a password by listing wallets with it; resolves with the wallets. */
    login: (password: string) => call((c) => c.wallets.list(), { password }).then((list) => list.items),
    health: (callOptions?: CallOptions) => call((c) => c.health.health(), { ...callOptions, anonymous: true }),
    wallets: {
      list: (o?: CallOptions) => call((c) => c.wallets.list(), o).then((list) => list.items),
      get: (id: WalletId, o?: CallOptions) => call((c) => c.wallets.get({ path: { id } }), o),
      create: (input: { readonly name: string; readonly chain?: Chain; readonly network?: string }, o?: CallOptions) =>
        call((c) => c.wallets.create({ payload: input }), o),
      rename: (id: WalletId, name: string, o?: CallOptions) =>
        call((c) => c.wallets.rename({ path: { id }, payload: { name } }), o),
      terminate: (id: WalletId, o?: CallOptions) => call((c) => c.wallets.terminate({ path: { id } }), o)
    },
    sessions: {
      list: (query: SessionQuery = {}, o?: CallOptions) =>
        call((c) => c.sessions.list({ urlParams: query }), o).then((list) => list.items),
      revoke: (id: SessionId, o?: CallOptions) => call((c) => c.sessions.revoke({ path: { id } }), o)
    },
    mcp: {
      list: (o?: CallOptions) => call((c) => c.mcp.list(), o).then((list) => list.items),
      provision: (walletId: WalletId, expiresIn: number | undefined, o?: CallOptions) =>
        call((c) => c.mcp.provision({ payload: expiresIn === undefined ? { walletId } : { walletId, expiresIn } }), o),
      config: (walletId: WalletId, o?: CallOptions) => call((c) => c.mcp.config({ path: { walletId } }), o),
      revoke: (walletId: WalletId, o?: CallOptions) => call((c) => c.mcp.revoke({ path: { walletId } }), o)
    },
    admin: {
      rotateSecret: (o?: CallOptions) => call((c) => c.admin.rotateSecret(), o),
      revokeAll: (o?: CallOptions) => call((c) => c.admin.revokeAll(), o),
      events: (query: EventPageQuery = {}, o?: CallOptions) =>
        call((c) =>
          c.admin.events({
            urlParams: {
              ...(query.limit === undefined ? {} : { limit: query.limit }),
              ...(query.cursor === undefined ? {} : { cursor: query.cursor })
            }
          }), o)
    }
  }
}

export type AdminApi = ReturnType<typeof createApi>

type Unwrap<T> = T extends Promise<infer A> ? A : never

// The shapes the pages work with, straight from the contract.
export type WalletView = Unwrap<ReturnType<AdminApi["wallets"]["get"]>>
export type SessionRow = Unwrap<ReturnType<AdminApi["sessions"]["list"]>>[number]
export type McpTokenSummaryView = Unwrap<ReturnType<AdminApi["mcp"]["list"]>>[number]
export type McpConfigView = Unwrap<ReturnType<AdminApi["mcp"]["config"]>>
export type McpProvisionedView = Unwrap<ReturnType<AdminApi["mcp"]["provision"]>>
export type EventPage = Unwrap<ReturnType<AdminApi["admin"]["events"]>>
export type EventView = EventPage["items"][number]
export type RotatedSecretView = Unwrap<ReturnType<AdminApi["admin"]["rotateSecret"]>>
export type RevokedAllView = Unwrap<ReturnType<AdminApi["admin"]["revokeAll"]>>
