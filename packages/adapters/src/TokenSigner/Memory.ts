import { createHash } from "node:crypto"
import { InvalidToken, nowSeconds, TOKEN_PREFIX, type TokenClaims, TokenExpired, TokenSigner } from "@waiaas/domain"
import { Effect, Layer, Redacted, Ref } from "effect"

const base64url = (text: string) => Buffer.from(text, "utf8").toString("base64url")

/** The header every fake token carries, so the tokens pass the domain's `looksLikeToken` shape check. */
const HEADER = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))

/**
 * A fake signer for tests: no cryptography and no secrets. Tokens look like the real ones (prefix plus
 * three base64url parts, unique per call) and are only valid if this very layer issued them.
 */
export const TokenSignerMemory: Layer.Layer<TokenSigner> = Layer.effect(
  TokenSigner,
  Effect.gen(function*() {
    const issued = yield* Ref.make(new Map<string, TokenClaims>())
    const counter = yield* Ref.make(0)

    const sign = (claims: TokenClaims) =>
      Effect.gen(function*() {
        const n = yield* Ref.updateAndGet(counter, (k) => k + 1)
        const payload = base64url(JSON.stringify({ sub: claims.sub, wlt: claims.wlt, iat: claims.iat, exp: claims.exp }))
        const token = `${TOKEN_PREFIX}${HEADER}.${payload}.${base64url(`fake-signature-${n}`)}`
        yield* Ref.update(issued, (map) => new Map(map).set(token, claims))
        return Redacted.make(token)
      })

    const verify = (token: Redacted.Redacted<string>) =>
      Effect.gen(function*() {
        const claims = (yield* Ref.get(issued)).get(Redacted.value(token))
        if (claims === undefined) return yield* new InvalidToken({ message: "Invalid session token" })
        if (claims.exp <= (yield* nowSeconds)) return yield* new TokenExpired({ message: "Session token has expired" })
        return claims
      })

    const fingerprint = (token: Redacted.Redacted<string>) =>
      createHash("sha256").update(Redacted.value(token), "utf8").digest("hex")

    return TokenSigner.of({ sign, verify, fingerprint })
  })
)
