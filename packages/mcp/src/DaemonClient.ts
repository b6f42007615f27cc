import type { HttpApi, HttpApiClient, HttpClientError } from "@effect/platform"
import type {
  Api,
  CurrentSessionView,
  InvalidToken,
  SessionId,
  SessionRevoked,
  TokenExpired,
  Wallet
} from "@waiaas/domain"
import { Context, Data, type Effect, type ParseResult, type Redacted } from "effect"

/** The daemon did not answer: connection refused, DNS, or no answer in time. */
export class DaemonUnreachable extends Data.TaggedError("DaemonUnreachable")<{
  readonly baseUrl: string
  readonly detail: string
}> {}

/** The daemon answered something the shared contract does not describe (e.g. a different version). */
export class UnexpectedResponse extends Data.TaggedError("UnexpectedResponse")<{
  readonly detail: string
}> {}

/** The client the contract derives; its error types are the contract's, so they cannot drift either. */
type ApiClient = typeof Api extends HttpApi.HttpApi<string, infer Groups, infer E, infer _R>
  ? HttpApiClient.Client<Groups, E, never>
  : never

/** What a call may fail with per the contract, once transport and decoding failures are mapped (see below). */
type ContractError<Call extends (...args: any) => Effect.Effect<any, any, any>> = Exclude<
  Effect.Effect.Error<ReturnType<Call>>,
  HttpClientError.HttpClientError | ParseResult.ParseError
>

/** sessionAuth's answers: the token is not (or no longer) accepted. */
export type TokenRejected = InvalidToken | TokenExpired | SessionRevoked

export type AgentCallError =
  | ContractError<ApiClient["agent"]["wallet"]>
  | ContractError<ApiClient["agent"]["session"]>
  | DaemonUnreachable
  | UnexpectedResponse

export type RenewError = ContractError<ApiClient["renewal"]["renew"]> | DaemonUnreachable | UnexpectedResponse

export interface RenewedToken {
  readonly id: SessionId
  readonly token: Redacted.Redacted<string>
  readonly expiresAt: number
  readonly renewalCount: number
}

/** The daemon's routes this server uses, each called with the session token it is given. */
export class DaemonClient extends Context.Tag("waiaas-mcp/DaemonClient")<DaemonClient, {
  /** `GET /v1/wallet`: the session's wallet. */
  readonly wallet: (token: Redacted.Redacted<string>) => Effect.Effect<Wallet, AgentCallError>
  /** `GET /v1/session`: the session itself. */
  readonly session: (token: Redacted.Redacted<string>) => Effect.Effect<typeof CurrentSessionView.Type, AgentCallError>
  /** `PUT /v1/sessions/{id}/renew`, with the session's own token; the daemon also rewrites the token file. */
  readonly renew: (token: Redacted.Redacted<string>, sessionId: SessionId) => Effect.Effect<RenewedToken, RenewError>
}>() {}

const tokenRejectedTags: ReadonlySet<string> = new Set(["InvalidToken", "TokenExpired", "SessionRevoked"])

export const isTokenRejected = (error: { readonly _tag: string }): error is TokenRejected =>
  tokenRejectedTags.has(error._tag)
