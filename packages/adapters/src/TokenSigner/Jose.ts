import { createHash } from "node:crypto"
import { InvalidToken, TOKEN_PREFIX, TokenClaims, TokenExpired, TokenSigner } from "@waiaas/domain"
import { Clock, Effect, Either, Layer, Option, Redacted, Schema } from "effect"
import { errors, jwtVerify, SignJWT } from "jose"
import { JwtSecrets } from "../JwtSecrets/JwtSecrets.js"

/** The only algorithm we sign with, so the only one we accept: no `none`, no algorithm confusion. */
const ALGORITHM = "HS256"

const decodeClaims = Schema.decodeUnknown(TokenClaims)

// Messages are fixed strings: neither the token nor jose's reason (which may quote claims) leaves this module.
const invalidToken = () => new InvalidToken({ message: "Invalid session token" })
const tokenExpired = () => new TokenExpired({ message: "Session token has expired" })

/** sha256 of the full token, prefix included, as hex: the form in which the database keeps it. */
const fingerprint = (token: Redacted.Redacted<string>): string =>
  createHash("sha256").update(Redacted.value(token), "utf8").digest("hex")

/**
 * HS256 session tokens (`wai_sess_` + JWT) signed with the current secret from `JwtSecrets`; the previous
 * secret still verifies, so a rotation does not log out every agent at once. Expiry is judged by `Clock`.
 */
export const TokenSignerJose: Layer.Layer<TokenSigner, never, JwtSecrets> = Layer.effect(
  TokenSigner,
  Effect.gen(function*() {
    const secrets = yield* JwtSecrets

    const sign = Effect.fn("TokenSigner.sign")(function*(claims: TokenClaims) {
      const secret = yield* secrets.current
      const jwt = yield* Effect.promise(() =>
        new SignJWT({ sub: claims.sub, wlt: claims.wlt, iat: claims.iat, exp: claims.exp })
          .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
          .sign(secret)
      )
      return Redacted.make(TOKEN_PREFIX + jwt)
    })

    const verifyWith = (jwt: string, secret: Uint8Array, currentDate: Date) =>
      Effect.tryPromise({
        try: () =>
          jwtVerify(jwt, secret, {
            algorithms: [ALGORITHM],
            requiredClaims: ["sub", "wlt", "iat", "exp"],
            currentDate
          }),
        catch: (error) => error
      }).pipe(Effect.either)

    const verify = Effect.fn("TokenSigner.verify")(function*(token: Redacted.Redacted<string>) {
      const raw = Redacted.value(token)
      if (!raw.startsWith(TOKEN_PREFIX)) return yield* invalidToken()
      const jwt = raw.slice(TOKEN_PREFIX.length)
      const currentDate = new Date(yield* Clock.currentTimeMillis)
      const candidates = [yield* secrets.current, ...Option.toArray(yield* secrets.previous)]
      for (const secret of candidates) {
        const result = yield* verifyWith(jwt, secret, currentDate)
        if (Either.isRight(result)) {
          return yield* decodeClaims(result.right.payload).pipe(Effect.mapError(invalidToken))
        }
        // jose checks claims only after the signature matched: this secret signed it, and it has expired.
        if (result.left instanceof errors.JWTExpired) return yield* tokenExpired()
      }
      return yield* invalidToken()
    })

    return TokenSigner.of({ sign, verify, fingerprint })
  })
)
