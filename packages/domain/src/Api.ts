import {
  HttpApi,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApiMiddleware,
  HttpApiSecurity,
  OpenApi
} from "@effect/platform"
import { Context, Schema } from "effect"
import { wire } from "./ApiError.js"
import {
  HostNotAllowed,
  InternalError,
  InvalidJson,
  InvalidMasterPassword,
  InvalidToken,
  PayloadTooLarge,
  RouteNotFound,
  SessionLimitExceeded,
  SessionRevoked,
  TokenExpired,
  TokenFileWriteFailed,
  ValidationFailed,
  WalletNotFound,
  WalletTerminated
} from "./Errors.js"
import { SessionId, WalletId } from "./Ids.js"
import { ClaudeDesktopConfig } from "./McpSnippet.js"
import { ExpiresIn, SessionSource } from "./Session.js"
import type { AuthenticatedSession } from "./Sessions.js"
import { EpochSeconds } from "./Time.js"
import { CreateWalletInput, RenameWalletInput, Wallet } from "./Wallet.js"

// ---------------------------------------------------------------------------------------------------------
// Security

/** The authenticated caller of a sessionAuth route. */
export class CurrentSession extends Context.Tag("waiaas/CurrentSession")<CurrentSession, AuthenticatedSession>() {}

/** Admin routes: `X-Master-Password`, checked against the stored argon2id hash. */
export class MasterAuth extends HttpApiMiddleware.Tag<MasterAuth>()("MasterAuth", {
  failure: wire(InvalidMasterPassword),
  security: {
    masterPassword: HttpApiSecurity.apiKey({ key: "X-Master-Password", in: "header" }).pipe(
      HttpApiSecurity.annotate(OpenApi.Description, "The daemon's master password.")
    )
  }
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
  claudeDesktopConfig: ClaudeDesktopConfig
}).annotations({ identifier: "McpToken" })

export const CurrentSessionView = Schema.Struct({
  sessionId: SessionId,
  walletId: WalletId,
  walletName: Schema.String,
  expiresAt: EpochSeconds,
  source: SessionSource
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
  .addError(wire(WalletNotFound))
  .addError(wire(WalletTerminated))
  .addError(wire(SessionLimitExceeded))
  .middleware(MasterAuth)
  .annotate(OpenApi.Description, "Sessions for API clients (masterAuth). The token is returned once.")
{}

export class McpGroup extends HttpApiGroup.make("mcp")
  .add(
    HttpApiEndpoint.post("provision", "/v1/mcp/tokens")
      .setPayload(McpTokenRequest)
      .addSuccess(McpTokenResponse, { status: 201 })
  )
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

export class AgentGroup extends HttpApiGroup.make("agent")
  .add(HttpApiEndpoint.get("session", "/v1/session").addSuccess(CurrentSessionView))
  .middleware(SessionAuth)
  .annotate(OpenApi.Description, "The calling agent's own session (sessionAuth).")
{}

/** The public contract: the server implements it, every client derives from it. */
export class Api extends HttpApi.make("waiaas")
  .add(HealthGroup)
  .add(WalletsGroup)
  .add(SessionsGroup)
  .add(McpGroup)
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
