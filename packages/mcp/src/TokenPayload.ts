import { TOKEN_PREFIX, TokenClaims } from "@waiaas/domain"
import { Either, Schema } from "effect"

const decodeClaims = Schema.decodeUnknownEither(Schema.parseJson(TokenClaims))

/**
 * The claims of a session token (`wai_sess_` + JWT), read without checking the signature: only the daemon
 * can check it, and it does on every call. We need `sub` to renew, and `iat`/`exp` to schedule renewal.
 * Left: why the text is not a session token (never the text itself).
 */
export const decodeTokenPayload = (token: string): Either.Either<TokenClaims, string> => {
  if (!token.startsWith(TOKEN_PREFIX)) return Either.left(`it does not start with "${TOKEN_PREFIX}"`)
  const parts = token.slice(TOKEN_PREFIX.length).split(".")
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) {
    return Either.left("it is not a JWT (three base64url parts)")
  }
  const json = Buffer.from(parts[1]!, "base64url").toString("utf8")
  return Either.mapLeft(decodeClaims(json), () => "its payload lacks sub, wlt, iat or exp")
}
