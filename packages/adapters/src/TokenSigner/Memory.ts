import { createHash } from "node:crypto"
import {
  DaemonSettings,
  InvalidToken,
  nowSeconds,
  TOKEN_PREFIX,
  type TokenClaims,
  TokenExpired,
  TokenSigner
} from "@waiaas/domain"
import { Clock, Effect, Layer, Option, Redacted, Ref } from "effect"

const base64url = (text: string) => Buffer.from(text, "utf8").toString("base64url")

/** The header every fake token carries, so the tokens pass the domain's `looksLikeToken` shape check. */
const HEADER = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))

interface Generations {
  /** The generation that signs now; each rotation adds one. */
  readonly current: number
  readonly previous: Option.Option<{ readonly generation: number; readonly rotatedAt: number }>
}

/**
 * A fake signer for tests: no cryptography and no secrets. Tokens look like the real ones (prefix plus
 * three base64url parts, unique per call) and are only valid if this very layer issued them. Secrets are
 * emulated as generations with the live signer's rules: after a rotation, tokens of the previous
 * generation verify while `now < rotatedAt + rotationGracePeriod`, older generations never.
 */
export const TokenSignerMemory: Layer.Layer<TokenSigner, never, DaemonSettings> = Layer.effect(
  TokenSigner,
  Effect.gen(function*() {
    const { rotationGracePeriod } = yield* DaemonSettings
    const issued = yield* Ref.make(new Map<string, { readonly claims: TokenClaims; readonly generation: number }>())
    const counter = yield* Ref.make(0)
    const generations = yield* Ref.make<Generations>({ current: 0, previous: Option.none() })

    const sign = (claims: TokenClaims) =>
      Effect.gen(function*() {
        const n = yield* Ref.updateAndGet(counter, (k) => k + 1)
        const { current } = yield* Ref.get(generations)
        const payload = base64url(JSON.stringify({ sub: claims.sub, wlt: claims.wlt, iat: claims.iat, exp: claims.exp }))
        const token = `${TOKEN_PREFIX}${HEADER}.${payload}.${base64url(`fake-signature-${n}`)}`
        yield* Ref.update(issued, (map) => new Map(map).set(token, { claims, generation: current }))
        return Redacted.make(token)
      })

    const isAccepted = (generation: number, nowMs: number, state: Generations) =>
      generation === state.current ||
      Option.exists(state.previous, (previous) =>
        previous.generation === generation && nowMs < (previous.rotatedAt + rotationGracePeriod) * 1000)

    const verify = (token: Redacted.Redacted<string>) =>
      Effect.gen(function*() {
        const entry = (yield* Ref.get(issued)).get(Redacted.value(token))
        const nowMs = yield* Clock.currentTimeMillis
        // Like jose: expiry is only reported for a token whose signature an accepted secret confirms.
        if (entry === undefined || !isAccepted(entry.generation, nowMs, yield* Ref.get(generations))) {
          return yield* new InvalidToken({ message: "Invalid session token" })
        }
        if (entry.claims.exp <= (yield* nowSeconds)) return yield* new TokenExpired({ message: "Session token has expired" })
        return entry.claims
      })

    const fingerprint = (token: Redacted.Redacted<string>) =>
      createHash("sha256").update(Redacted.value(token), "utf8").digest("hex")

    const rotate = (now: number) =>
      Ref.update(generations, (state) => ({
        current: state.current + 1,
        previous: Option.some({ generation: state.current, rotatedAt: now })
      }))

    const lastRotatedAt = Effect.map(Ref.get(generations), (state) => Option.map(state.previous, (p) => p.rotatedAt))

    const signedWithCurrentSecret = (token: Redacted.Redacted<string>) =>
      Effect.gen(function*() {
        const entry = (yield* Ref.get(issued)).get(Redacted.value(token))
        return entry !== undefined && entry.generation === (yield* Ref.get(generations)).current
      })

    return TokenSigner.of({ sign, verify, signedWithCurrentSecret, fingerprint, rotate, lastRotatedAt })
  })
)
