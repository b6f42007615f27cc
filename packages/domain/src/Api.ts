import {
  HttpApi,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApiMiddleware,
  HttpApiSecurity,
  OpenApi
} from "@effect/platform"
import { Context, type Redacted, Schema } from "effect"
import { wire } from "./ApiError.js"
import { ClientSnippet } from "./ClientSnippet.js"
import {
  HostNotAllowed,
  InternalError,
  InvalidJson,
  InvalidMasterPassword,
  InvalidToken,
  MasterPasswordLocked,
  McpTokenNotFound,
  PayloadTooLarge,
  RenewalLimitReached,
  RenewalTooEarly,
  RotationTooRecent,
  RouteNotFound,
  SessionAbsoluteLifetimeExceeded,
  SessionLimitExceeded,
  SessionNotFound,
  SessionRenewalMismatch,
  SessionRevoked,
  TokenExpired,
  TokenFileWriteFailed,
  ValidationFailed,
  WalletNotFound,
  WalletTerminated
} from "./Errors.js"
import { SessionId, WalletId } from "./Ids.js"
import { ClaudeDesktopConfig } from "./McpSnippet.js"
import { EventId, EventRecord } from "./Notifier.js"
import { ExpiresIn, SessionSource, SessionStatus, SessionView } from "./Session.js"
import type { AuthenticatedSession } from "./Sessions.js"
import { EpochSeconds } from "./Time.js"
import type { TokenClaims } from "./Token.js"
import { CreateWalletInput, RenameWalletInput, Wallet } from "./Wallet.js"

// ---------------------------------------------------------------------------------------------------------
// Security

/** The authenticated caller of a sessionAuth route. */
export class CurrentSession extends Context.Tag("waiaas/CurrentSession")<CurrentSession, AuthenticatedSession>() {}

/** Admin routes: `X-Master-Password`, checked against the stored argon2id hash. */
export class MasterAuth extends HttpApiMiddleware.Tag<MasterAuth>()("MasterAuth", {
  failure: Schema.Union(wire(InvalidMasterPassword), wire(MasterPasswordLocked)),
  security: {
    masterPassword: HttpApiSecurity.apiKey({ key: "X-Master-Password", in: "header" }).pipe(
      HttpApiSecurity.annotate(OpenApi.Description, "The daemon's master password.")
    )
  }
}) {}

/** A token whose signature and expiry checked out; the renewal program checks the rest, in its own order. */
export class PresentedToken extends Context.Tag("waiaas/PresentedToken")<PresentedToken, {
  readonly token: Redacted.Redacted<string>
  readonly claims: TokenClaims
}>() {}

/** Renewal: `Authorization: Bearer wai_sess_<JWT>`, only signature and expiry (see PresentedToken). */
export class RenewalAuth extends HttpApiMiddleware.Tag<RenewalAuth>()("RenewalAuth", {
  failure: Schema.Union(wire(InvalidToken), wire(TokenExpired)),
  provides: PresentedToken,
  security: { sessionToken: HttpApiSecurity.bearer }
}) {}

/** Agent routes: `Authorization: Bearer wai_sess_<JWT>`. */
export class SessionAuth extends HttpApiMiddleware.Tag<SessionAuth>()("SessionAuth", {
  failure: Schema.Union(wire(InvalidToken), wire(TokenExpired), wire(SessionRevoked)),
  provides: CurrentSession,
  security: { sessionToken: HttpApiSecurity.bearer }
}) {}

// ---------------------------------------------------------------------------------------------------------
// Bodies

export const Health = Schema.Struct({
  status: Schema.Literal("ok"),
  version: Schema.String,
  uptime: Schema.Number
}).annotations({ identifier: "Health" })

export const WalletList = Schema.Struct({ items: Schema.Array(Wallet) }).annotations({ identifier: "WalletList" })

export const WalletPath = Schema.Struct({ id: WalletId })

export const CreateSessionRequest = Schema.Struct({
  walletId: WalletId,
  expiresIn: Schema.optional(ExpiresIn)
}).annotations({ identifier: "CreateSessionRequest" })

export const CreatedSessionResponse = Schema.Struct({
  id: SessionId,
  token: Schema.String,
  expiresAt: EpochSeconds,
  walletId: WalletId
}).annotations({ identifier: "CreatedSession" })

export const McpTokenRequest = Schema.Struct({
  walletId: WalletId,
  expiresIn: Schema.optional(ExpiresIn)
}).annotations({ identifier: "McpTokenRequest" })

export const McpTokenResponse = Schema.Struct({
  walletId: WalletId,
  walletName: Schema.String,
  serverName: Schema.String,
  tokenPath: Schema.String,
  expiresAt: EpochSeconds,
  claudeDesktopConfig: ClaudeDesktopConfig,
  clients: Schema.Array(ClientSnippet)
}).annotations({ identifier: "McpToken" })

export const McpConfigResponse = Schema.Struct({
  ...McpTokenResponse.fields,
  expiresAt: Schema.NullOr(EpochSeconds)
}).annotations({ identifier: "McpConfig" })

export const McpTokenSummary = Schema.Struct({
  walletId: WalletId,
  walletName: Schema.String,
  serverName: Schema.String,
  sessionId: SessionId,
  tokenPath: Schema.String,
  expiresAt: EpochSeconds,
  status: SessionStatus,
  /** The token file exists... */
  fileOnDisk: Schema.Boolean,
  /** ...and holds this session's current token. */
  fileMatches: Schema.Boolean
}).annotations({ identifier: "McpTokenSummary" })

export const McpTokenRevoked = Schema.Struct({
  walletId: WalletId,
  sessionId: Schema.NullOr(SessionId),
  revoked: Schema.Boolean
}).annotations({ identifier: "McpTokenRevoked" })

export const WalletIdPath = Schema.Struct({ walletId: WalletId })
export const SessionPath = Schema.Struct({ id: SessionId })

/** Query strings carry text: numbers are parsed, and bounded. */
const Limit = (max: number) => Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, max))

export const SessionListParams = Schema.Struct({
  walletId: Schema.optional(WalletId),
  status: Schema.optional(SessionStatus),
  limit: Schema.optional(Limit(1000))
})

export const SessionList = Schema.Struct({ items: Schema.Array(SessionView) }).annotations({ identifier: "SessionList" })

export const RevokedSession = Schema.Struct({
  ...SessionView.fields,
  alreadyRevoked: Schema.Boolean
}).annotations({ identifier: "RevokedSession" })

export const RenewedSessionResponse = Schema.Struct({
  id: SessionId,
  token: Schema.String,
  expiresAt: EpochSeconds,
  renewalCount: Schema.Int
}).annotations({ identifier: "RenewedSession" })

export const RotatedSecret = Schema.Struct({
  rotatedAt: EpochSeconds,
  graceEndsAt: EpochSeconds,
  resignedMcpTokens: Schema.Int
}).annotations({ identifier: "RotatedSecret" })

export const RevokedAll = Schema.Struct({
  revoked: Schema.Int,
  removedFiles: Schema.Int
}).annotations({ identifier: "RevokedAll" })

export const EventListParams = Schema.Struct({
  limit: Schema.optional(Limit(500)),
  cursor: Schema.optional(EventId)
})

export const EventPageResponse = Schema.Struct({
  items: Schema.Array(EventRecord),
  nextCursor: Schema.NullOr(EventId)
}).annotations({ identifier: "EventPage" })

export const CurrentSessionView = Schema.Struct({
  sessionId: SessionId,
  walletId: WalletId,
  walletName: Schema.String,
  expiresAt: EpochSeconds,
  source: SessionSource,
  absoluteExpiresAt: EpochSeconds,
  renewalCount: Schema.Int,
  maxRenewals: Schema.Int
}).annotations({ identifier: "CurrentSession" })

// ---------------------------------------------------------------------------------------------------------
// Groups

export class HealthGroup extends HttpApiGroup.make("health")
  .add(HttpApiEndpoint.get("health", "/health").addSuccess(Health))
{}

export class WalletsGroup extends HttpApiGroup.make("wallets")
  .add(
    HttpApiEndpoint.post("create", "/v1/wallets")
      .setPayload(CreateWalletInput)
      .addSuccess(Wallet, { status: 201 })
  )
  .add(HttpApiEndpoint.get("list", "/v1/wallets").addSuccess(WalletList))
  .add(HttpApiEndpoint.get("get", "/v1/wallets/:id").setPath(WalletPath).addSuccess(Wallet))
  .add(
    HttpApiEndpoint.put("rename", "/v1/wallets/:id")
      .setPath(WalletPath)
      .setPayload(RenameWalletInput)
      .addSuccess(Wallet)
  )
  .add(HttpApiEndpoint.del("terminate", "/v1/wallets/:id").setPath(WalletPath).addSuccess(Wallet))
  .addError(wire(WalletNotFound))
  .addError(wire(WalletTerminated))
  .middleware(MasterAuth)
  .annotate(OpenApi.Description, "Wallets (masterAuth). DELETE terminates a wallet and revokes its sessions.")
{}

export class SessionsGroup extends HttpApiGroup.make("sessions")
  .add(
    HttpApiEndpoint.post("create", "/v1/sessions")
      .setPayload(CreateSessionRequest)
      .addSuccess(CreatedSessionResponse, { status: 201 })
  )
  .add(HttpApiEndpoint.get("list", "/v1/sessions").setUrlParams(SessionListParams).addSuccess(SessionList))
  .add(HttpApiEndpoint.del("revoke", "/v1/sessions/:id").setPath(SessionPath).addSuccess(RevokedSession))
  .addError(wire(SessionNotFound))
  .addError(wire(WalletNotFound))
  .addError(wire(WalletTerminated))
  .addError(wire(SessionLimitExceeded))
  .middleware(MasterAuth)
  .annotate(OpenApi.Description, "Sessions for API clients (masterAuth). The token is returned once.")
{}

export class RenewalGroup extends HttpApiGroup.make("renewal")
  .add(
    HttpApiEndpoint.put("renew", "/v1/sessions/:id/renew")
      .setPath(SessionPath)
      .addSuccess(RenewedSessionResponse)
  )
  .addError(wire(SessionNotFound))
  .addError(wire(SessionRevoked))
  .addError(wire(SessionRenewalMismatch))
  .addError(wire(RenewalLimitReached))
  .addError(wire(SessionAbsoluteLifetimeExceeded))
  .addError(wire(RenewalTooEarly))
  .addError(wire(TokenFileWriteFailed))
  .middleware(RenewalAuth)
  .annotate(
    OpenApi.Description,
    "Renewal with the session's own token, once half its TTL has passed. An MCP session's token file is rewritten."
  )
{}

export class McpGroup extends HttpApiGroup.make("mcp")
  .add(
    HttpApiEndpoint.post("provision", "/v1/mcp/tokens")
      .setPayload(McpTokenRequest)
      .addSuccess(McpTokenResponse, { status: 201 })
  )
  .add(HttpApiEndpoint.get("list", "/v1/mcp/tokens").addSuccess(Schema.Struct({ items: Schema.Array(McpTokenSummary) })))
  .add(
    HttpApiEndpoint.get("config", "/v1/mcp/tokens/:walletId/config")
      .setPath(WalletIdPath)
      .addSuccess(McpConfigResponse)
  )
  .add(HttpApiEndpoint.del("revoke", "/v1/mcp/tokens/:walletId").setPath(WalletIdPath).addSuccess(McpTokenRevoked))
  .addError(wire(McpTokenNotFound))
  .addError(wire(WalletNotFound))
  .addError(wire(WalletTerminated))
  .addError(wire(SessionLimitExceeded))
  .addError(wire(TokenFileWriteFailed))
  .middleware(MasterAuth)
  .annotate(
    OpenApi.Description,
    "MCP provisioning (masterAuth): writes the token file and answers with paste-ready client config."
  )
{}

export class AdminGroup extends HttpApiGroup.make("admin")
  .add(HttpApiEndpoint.post("rotateSecret", "/v1/admin/rotate-secret").addSuccess(RotatedSecret))
  .add(HttpApiEndpoint.post("revokeAll", "/v1/admin/revoke-all").addSuccess(RevokedAll))
  .add(HttpApiEndpoint.get("events", "/v1/admin/events").setUrlParams(EventListParams).addSuccess(EventPageResponse))
  .addError(wire(RotationTooRecent))
  .middleware(MasterAuth)
  .annotate(OpenApi.Description, "Maintenance (masterAuth): secret rotation, revoke everything, the audit log.")
{}

export class AgentGroup extends HttpApiGroup.make("agent")
  .add(HttpApiEndpoint.get("session", "/v1/session").addSuccess(CurrentSessionView))
  .add(HttpApiEndpoint.get("wallet", "/v1/wallet").addSuccess(Wallet))
  .addError(wire(WalletNotFound))
  .middleware(SessionAuth)
  .annotate(OpenApi.Description, "The calling agent's own session and wallet (sessionAuth).")
{}

/** The public contract: the server implements it, every client derives from it. */
export class Api extends HttpApi.make("waiaas")
  .add(HealthGroup)
  .add(WalletsGroup)
  .add(SessionsGroup)
  .add(RenewalGroup)
  .add(McpGroup)
  .add(AdminGroup)
  .add(AgentGroup)
  .addError(wire(ValidationFailed))
  .addError(wire(InvalidJson))
  .addError(wire(RouteNotFound))
  .addError(wire(PayloadTooLarge))
  .addError(wire(HostNotAllowed))
  .addError(wire(InternalError))
  .annotate(OpenApi.Title, "WAIaaS daemon")
  .annotate(OpenApi.Description, "Wallets for AI agents, with scoped, expiring session tokens and MCP provisioning.")
{}
