import { Schema } from "effect"
import { SessionId, WalletId } from "./Ids.js"
import { EpochSeconds } from "./Time.js"

/** Every session token is this prefix followed by an HS256 JWT. */
export const TOKEN_PREFIX = "wai_sess_"

export class TokenClaims extends Schema.Class<TokenClaims>("TokenClaims")({
  sub: SessionId,
  wlt: WalletId,
  iat: EpochSeconds,
  exp: EpochSeconds
}) {}

/** A quick shape check before any cryptography: prefix plus three base64url parts. */
export const looksLikeToken = (token: string): boolean =>
  token.startsWith(TOKEN_PREFIX) && /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token.slice(TOKEN_PREFIX.length))
