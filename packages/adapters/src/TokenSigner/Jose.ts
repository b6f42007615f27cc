import { createHmac, createSecretKey, hash, type KeyObject, webcrypto } from "node:crypto"
import { DaemonSettings, InvalidToken, TOKEN_PREFIX, TokenClaims, TokenExpired, TokenSigner } from "@waiaas/domain"
import { Clock, Effect, Either, Layer, Option, Redacted, Schema } from "effect"
import { errors, jwtVerify } from "jose"
import { JwtSecrets, type JwtSecretState } from "../JwtSecrets/JwtSecrets.js"

/** The only algorithm we sign with, so the only one we accept: no `none`, no algorithm confusion. */
const ALGORITHM = "HS256"

const decodeClaims = Schema.decodeUnknown(TokenClaims)

// Messages are fixed strings: neither the token nor jose's reason (which may quote claims) leaves this module.
const invalidToken = () => new InvalidToken({ message: "Invalid session token" })
const tokenExpired = () => new TokenExpired({ message: "Session token has expired" })

/** An HS256 key, imported once; jose takes it as is where it would import raw bytes on every call. */
type HmacKey = webcrypto.CryptoKey

const importHmacKey = (secret: Uint8Array) =>
  Effect.promise(() =>
    webcrypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"])
  )

/** `{"alg":"HS256","typ":"JWT"}`, the protected header of every token we sign, base64url-encoded once. */
const ENCODED_HEADER = Buffer.from(JSON.stringify({ alg: ALGORITHM, typ: "JWT" })).toString("base64url")

/**
 * The HS256 compact JWS of `claims` (RFC 7515), exactly as jose's SignJWT writes it (a test holds the two
 * byte for byte), but synchronous: jose signs only through WebCrypto, whose HMAC is a thread-pool round
 * trip per token, ~90 µs of main-thread work and ~150 µs of latency here against ~5 µs for node:crypto's.
 * Verifying, where the parsing pitfalls are, stays with jose.
 */
const signCompact = (claims: TokenClaims, key: KeyObject): string => {
  const payload = Buffer.from(JSON.stringify({ sub: claims.sub, wlt: claims.wlt, iat: claims.iat, exp: claims.exp }))
    .toString("base64url")
  const signingInput = `${ENCODED_HEADER}.${payload}`
  return `${signingInput}.${createHmac("sha256", key).update(signingInput).digest("base64url")}`
}

/**
 * sha256 of the full token, prefix included, as hex: the form in which the database keeps it. Every agent
 * request makes one; the one-shot `crypto.hash` took ~12 µs where `createHash` took 20-65 µs, once the
 * process had been idle.
 */
const fingerprint = (token: Redacted.Redacted<string>): string => hash("sha256", Redacted.value(token), "hex")

/**
 * The secrets that verify at `nowMs`: the current one, and the previous one only while
 * `now < rotatedAt + graceSeconds`. (With whole-second `rotatedAt`, comparing in milliseconds is the same
 * as comparing epoch seconds, which is how the domain decides when the next rotation is allowed.)
 */
export const acceptedSecrets = (
  state: JwtSecretState,
  nowMs: number,
  graceSeconds: number
): ReadonlyArray<Uint8Array> =>
  Option.match(state.previous, {
    onNone: () => [state.current],
    onSome: (previous) =>
      nowMs < (previous.rotatedAt + graceSeconds) * 1000 ? [state.current, previous.secret] : [state.current]
  })

export interface TokenSignerJoseOptions {
  /**
   * How many successfully verified tokens to remember (default 1024; 0 turns the cache off). A hit skips
   * the HMAC (~70 µs) and is only used while the token has not expired and the very secret that verified
   * it is still accepted, so a rotation ends its tokens exactly when the grace window ends. Keys are token
   * fingerprints, not tokens.
   */
  readonly verifiedCacheSize?: number
}

interface Verified {
  readonly claims: TokenClaims
  /** The secret (by identity: the state's own array) whose signature check passed. */
  readonly secret: Uint8Array
}

/**
 * HS256 session tokens (`wai_sess_` + JWT) signed with the current secret from `JwtSecrets`. After a
 * rotation the previous secret still verifies for `DaemonSettings.rotationGracePeriod` seconds, so API
 * clients are not logged out at once, then never again. Expiry and the grace window are judged by `Clock`.
 */
export const makeTokenSignerJose = (
  options: TokenSignerJoseOptions = {}
): Layer.Layer<TokenSigner, never, JwtSecrets | DaemonSettings> =>
  Layer.effect(
    TokenSigner,
    Effect.gen(function*() {
      const secrets = yield* JwtSecrets
      const { rotationGracePeriod } = yield* DaemonSettings
      const cacheSize = Math.max(0, Math.floor(options.verifiedCacheSize ?? 1024))
      // Insertion-ordered, so the first key is the oldest entry: evicted first when full.
      const verified = new Map<string, Verified>()

      // By the secret's identity (JwtSecrets keeps each one as the same array while it is in use), so a
      // retired secret's key goes with it.
      const hmacKeys = new WeakMap<Uint8Array, HmacKey>()
      const hmacKeyFor = (secret: Uint8Array): Effect.Effect<HmacKey> => {
        const known = hmacKeys.get(secret)
        return known !== undefined ? Effect.succeed(known) : Effect.tap(importHmacKey(secret), (key) => {
          hmacKeys.set(secret, key)
        })
      }

      // The current secret as a node:crypto key for signing, made once per secret (same identity rule).
      const signingKeys = new WeakMap<Uint8Array, KeyObject>()
      const signingKeyFor = (secret: Uint8Array): KeyObject => {
        let key = signingKeys.get(secret)
        if (key === undefined) {
          key = createSecretKey(secret)
          signingKeys.set(secret, key)
        }
        return key
      }

      const remember = (key: string, entry: Verified) => {
        if (cacheSize === 0) return
        verified.delete(key)
        if (verified.size >= cacheSize) verified.delete(verified.keys().next().value!)
        verified.set(key, entry)
      }

      /** A remembered result that still holds at `nowMs`; a stale entry is forgotten. */
      const recall = (key: string, accepted: ReadonlyArray<Uint8Array>, nowMs: number): TokenClaims | undefined => {
        const entry = verified.get(key)
        if (entry === undefined) return undefined
        if (nowMs < entry.claims.exp * 1000 && accepted.includes(entry.secret)) return entry.claims
        verified.delete(key)
        return undefined
      }

      const sign = (claims: TokenClaims) =>
        Effect.map(secrets.state, (state) => Redacted.make(TOKEN_PREFIX + signCompact(claims, signingKeyFor(state.current))))

      const verifyWith = (jwt: string, secret: Uint8Array, currentDate: Date) =>
        Effect.flatMap(hmacKeyFor(secret), (key) =>
          Effect.tryPromise({
            try: () =>
              jwtVerify(jwt, key, {
                algorithms: [ALGORITHM],
                requiredClaims: ["sub", "wlt", "iat", "exp"],
                currentDate
              }),
            catch: (error) => error
          }).pipe(Effect.either))

      /** The HMAC check against each accepted secret, in order; remembers a success under `key`. */
      const verifySignature = Effect.fn("TokenSigner.verifySignature")(
        function*(jwt: string, accepted: ReadonlyArray<Uint8Array>, nowMs: number, key: string) {
          const currentDate = new Date(nowMs)
          for (const secret of accepted) {
            const result = yield* verifyWith(jwt, secret, currentDate)
            if (Either.isRight(result)) {
              const claims = yield* decodeClaims(result.right.payload).pipe(Effect.mapError(invalidToken))
              remember(key, { claims, secret })
              return claims
            }
            // jose checks claims only after the signature matched: this secret signed it, and it has expired.
            if (result.left instanceof errors.JWTExpired) return yield* tokenExpired()
          }
          return yield* invalidToken()
        }
      )

      // Untraced: a remembered token costs a few microseconds, and a span per call would cost more than
      // that; the signature check, the expensive part, has its own span.
      const verify = Effect.fnUntraced(function*(token: Redacted.Redacted<string>) {
        const raw = Redacted.value(token)
        if (!raw.startsWith(TOKEN_PREFIX)) return yield* invalidToken()
        const nowMs = yield* Clock.currentTimeMillis
        const accepted = acceptedSecrets(yield* secrets.state, nowMs, rotationGracePeriod)
        const key = cacheSize === 0 ? "" : fingerprint(token)
        const remembered = cacheSize === 0 ? undefined : recall(key, accepted, nowMs)
        if (remembered !== undefined) return remembered
        return yield* verifySignature(raw.slice(TOKEN_PREFIX.length), accepted, nowMs, key)
      })

      // jose reports an expired token only once its signature matched: expired is signed, too.
      const signedWithCurrentSecret = (token: Redacted.Redacted<string>) =>
        Effect.gen(function*() {
          const raw = Redacted.value(token)
          if (!raw.startsWith(TOKEN_PREFIX)) return false
          const { current } = yield* secrets.state
          const result = yield* verifyWith(raw.slice(TOKEN_PREFIX.length), current, new Date(yield* Clock.currentTimeMillis))
          return Either.isRight(result) || result.left instanceof errors.JWTExpired
        })

      return TokenSigner.of({
        sign,
        verify,
        signedWithCurrentSecret,
        fingerprint,
        rotate: (now) => secrets.rotate(now),
        lastRotatedAt: Effect.map(secrets.state, (state) => Option.map(state.previous, (previous) => previous.rotatedAt))
      })
    })
  )

/** The jose signer with the default verified-token cache. */
export const TokenSignerJose: Layer.Layer<TokenSigner, never, JwtSecrets | DaemonSettings> = makeTokenSignerJose()
