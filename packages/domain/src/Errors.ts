import { Schema } from "effect"
import { ErrorFields } from "./ApiError.js"

// Every error that crosses the wire: its code, HTTP status, retryability and hint are declared once,
// here, in `spec`. `wire(Class)` (ApiError.ts) turns a class into its JSON body for the HttpApi.

export class ValidationFailed extends Schema.TaggedError<ValidationFailed>()("ValidationFailed", ErrorFields) {
  static readonly spec = {
    code: "VALIDATION_FAILED",
    status: 400,
    hint: "Check the request against /openapi.json; details.issues lists each field that failed."
  }
}

export class InvalidJson extends Schema.TaggedError<InvalidJson>()("InvalidJson", ErrorFields) {
  static readonly spec = { code: "INVALID_JSON", status: 400, hint: "Send a well-formed JSON body." }
}

export class RouteNotFound extends Schema.TaggedError<RouteNotFound>()("RouteNotFound", ErrorFields) {
  static readonly spec = { code: "NOT_FOUND", status: 404, hint: "See /docs for the list of routes." }
}

export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", ErrorFields) {
  static readonly spec = { code: "PAYLOAD_TOO_LARGE", status: 413 }
}

export class HostNotAllowed extends Schema.TaggedError<HostNotAllowed>()("HostNotAllowed", ErrorFields) {
  static readonly spec = {
    code: "HOST_NOT_ALLOWED",
    status: 403,
    hint: "The daemon answers only to 127.0.0.1, localhost or [::1]."
  }
}

export class InternalError extends Schema.TaggedError<InternalError>()("InternalError", ErrorFields) {
  static readonly spec = { code: "INTERNAL_ERROR", status: 500, retryable: true }
}

export class InvalidMasterPassword
  extends Schema.TaggedError<InvalidMasterPassword>()("InvalidMasterPassword", ErrorFields)
{
  static readonly spec = {
    code: "INVALID_MASTER_PASSWORD",
    status: 401,
    hint: "Send the daemon's master password in the X-Master-Password header."
  }
}

export class InvalidToken extends Schema.TaggedError<InvalidToken>()("InvalidToken", ErrorFields) {
  static readonly spec = {
    code: "INVALID_TOKEN",
    status: 401,
    hint: "Send 'Authorization: Bearer wai_sess_…' with a current session token."
  }
}

export class TokenExpired extends Schema.TaggedError<TokenExpired>()("TokenExpired", ErrorFields) {
  static readonly spec = {
    code: "TOKEN_EXPIRED",
    status: 401,
    hint: "Create a new session, or re-provision the MCP token (POST /v1/mcp/tokens)."
  }
}

export class SessionRevoked extends Schema.TaggedError<SessionRevoked>()("SessionRevoked", ErrorFields) {
  static readonly spec = {
    code: "SESSION_REVOKED",
    status: 401,
    hint: "This session was revoked or replaced; use the newest token."
  }
}

export class WalletNotFound extends Schema.TaggedError<WalletNotFound>()("WalletNotFound", ErrorFields) {
  static readonly spec = {
    code: "WALLET_NOT_FOUND",
    status: 404,
    hint: "Verify the wallet ID. List wallets via GET /v1/wallets."
  }
}

export class WalletTerminated extends Schema.TaggedError<WalletTerminated>()("WalletTerminated", ErrorFields) {
  static readonly spec = {
    code: "WALLET_TERMINATED",
    status: 410,
    hint: "A terminated wallet cannot be changed or given sessions; create a new wallet."
  }
}

export class SessionLimitExceeded
  extends Schema.TaggedError<SessionLimitExceeded>()("SessionLimitExceeded", ErrorFields)
{
  static readonly spec = {
    code: "SESSION_LIMIT_EXCEEDED",
    status: 403,
    hint: "Revoke an unused session (DELETE /v1/sessions/{id}) or raise security.max_sessions_per_wallet."
  }
}

export class TokenFileWriteFailed
  extends Schema.TaggedError<TokenFileWriteFailed>()("TokenFileWriteFailed", ErrorFields)
{
  static readonly spec = {
    code: "TOKEN_FILE_WRITE_FAILED",
    status: 500,
    retryable: true,
    hint: "Check free space and permissions of DATA_DIR/mcp-tokens; the new session was revoked."
  }
}

// Answered by the node:http layer, before a request reaches the HttpApi.

export class MalformedRequest extends Schema.TaggedError<MalformedRequest>()("MalformedRequest", ErrorFields) {
  static readonly spec = { code: "BAD_REQUEST", status: 400 }
}

export class HeadersTooLarge extends Schema.TaggedError<HeadersTooLarge>()("HeadersTooLarge", ErrorFields) {
  static readonly spec = { code: "HEADERS_TOO_LARGE", status: 431 }
}

export class RequestTimeout extends Schema.TaggedError<RequestTimeout>()("RequestTimeout", ErrorFields) {
  static readonly spec = { code: "REQUEST_TIMEOUT", status: 408, retryable: true }
}

// Session lifecycle

export class SessionNotFound extends Schema.TaggedError<SessionNotFound>()("SessionNotFound", ErrorFields) {
  static readonly spec = { code: "SESSION_NOT_FOUND", status: 404, hint: "List sessions via GET /v1/sessions." }
}

export class SessionRenewalMismatch
  extends Schema.TaggedError<SessionRenewalMismatch>()("SessionRenewalMismatch", ErrorFields)
{
  static readonly spec = {
    code: "SESSION_RENEWAL_MISMATCH",
    status: 409,
    hint: "This token was already renewed or replaced; re-read the token file (or use the newest token)."
  }
}

export class RenewalLimitReached extends Schema.TaggedError<RenewalLimitReached>()("RenewalLimitReached", ErrorFields) {
  static readonly spec = {
    code: "RENEWAL_LIMIT_REACHED",
    status: 403,
    hint: "Create a new session, or re-provision the MCP token (POST /v1/mcp/tokens)."
  }
}

export class SessionAbsoluteLifetimeExceeded
  extends Schema.TaggedError<SessionAbsoluteLifetimeExceeded>()("SessionAbsoluteLifetimeExceeded", ErrorFields)
{
  static readonly spec = {
    code: "SESSION_ABSOLUTE_LIFETIME_EXCEEDED",
    status: 403,
    hint: "Create a new session, or re-provision the MCP token (POST /v1/mcp/tokens)."
  }
}

export class RenewalTooEarly extends Schema.TaggedError<RenewalTooEarly>()("RenewalTooEarly", ErrorFields) {
  static readonly spec = {
    code: "RENEWAL_TOO_EARLY",
    status: 409,
    retryable: true,
    hint: "A token can be renewed once half its lifetime has passed; try again after the Retry-After time."
  }
}

export class McpTokenNotFound extends Schema.TaggedError<McpTokenNotFound>()("McpTokenNotFound", ErrorFields) {
  static readonly spec = {
    code: "MCP_TOKEN_NOT_FOUND",
    status: 404,
    hint: "Provision the wallet first: POST /v1/mcp/tokens {walletId}."
  }
}

export class RotationTooRecent extends Schema.TaggedError<RotationTooRecent>()("RotationTooRecent", ErrorFields) {
  static readonly spec = {
    code: "ROTATION_TOO_RECENT",
    status: 429,
    retryable: true,
    hint: "Rotate again once the previous secret's grace window has ended (see Retry-After)."
  }
}

export class MasterPasswordLocked extends Schema.TaggedError<MasterPasswordLocked>()("MasterPasswordLocked", ErrorFields) {
  static readonly spec = {
    code: "MASTER_PASSWORD_LOCKED",
    status: 429,
    retryable: true,
    hint: "Too many wrong master passwords in a row; wait until the lockout ends (see Retry-After), then try again."
  }
}
