import { createHash } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import {
  DaemonSettings,
  looksLikeToken,
  nowSeconds,
  SessionId,
  TOKEN_PREFIX,
  TokenClaims,
  TokenSigner,
  WalletId
} from "@waiaas/domain"
import { type Context, Effect, Layer, Option, Redacted, TestClock } from "effect"

export const START_MS = 1_750_000_000_000
export const sessionA = SessionId.make("01977a5e-2c00-7000-8000-00000000000a")
export const sessionB = SessionId.make("01977a5e-2c00-7000-8000-00000000000b")
export const walletA = WalletId.make("01977a5e-2c00-7000-8000-0000000000aa")
export const walletB = WalletId.make("01977a5e-2c00-7000-8000-0000000000bb")

/** Claims issued now (by `Clock`) and valid for `ttl` seconds. */
export const claimsFor = (ttl: number, sub = sessionA, wlt = walletA) =>
  Effect.map(nowSeconds, (now) => new TokenClaims({ sub, wlt, iat: now, exp: now + ttl }))

const sha256Hex = (text: string) => createHash("sha256").update(text, "utf8").digest("hex")

const jwtParts = (token: Redacted.Redacted<string>) => Redacted.value(token).slice(TOKEN_PREFIX.length).split(".")

/** Another character from the base64url alphabet; the first character of a part carries six full bits. */
const flipFirstChar = (part: string) => (part[0] === "A" ? "B" : "A") + part.slice(1)

/** Not the default (300): the contract proves the signer reads the setting. */
export const GRACE_SECONDS = 120

export const settingsWithGrace = (rotationGracePeriod: number) =>
  Layer.succeed(DaemonSettings, {
    dataDir: "/nonexistent-waiaas-data-dir",
    baseUrl: "http://127.0.0.1:3100",
    sessionTtl: 86_400,
    maxSessionsPerWallet: 5,
    sessionAbsoluteLifetime: 2_592_000,
    maxRenewals: 30,
    rotationGracePeriod,
    mcpCommand: "node",
    mcpArgs: []
  })

export const tokenSignerContract = (name: string, makeLayer: () => Layer.Layer<TokenSigner, never, DaemonSettings>) =>
  describe(`TokenSigner contract: ${name}`, () => {
    const run = <A, E>(body: (signer: Context.Tag.Service<TokenSigner>) => Effect.Effect<A, E>) =>
      Effect.gen(function*() {
        yield* TestClock.setTime(START_MS)
        return yield* body(yield* TokenSigner)
      }).pipe(Effect.provide(makeLayer().pipe(Layer.provide(settingsWithGrace(GRACE_SECONDS)))))

    const errorTag = <A, E extends { readonly _tag: string }>(effect: Effect.Effect<A, E>) =>
      Effect.map(Effect.flip(effect), (error) => error._tag)

    it.effect("sign then verify returns the same claims", () =>
      run((signer) =>
        Effect.gen(function*() {
          const claims = yield* claimsFor(3600)
          const verified = yield* signer.verify(yield* signer.sign(claims))
          expect(verified).toBeInstanceOf(TokenClaims)
          expect({ ...verified }).toStrictEqual({ ...claims })
        })
      ))

    it.effect("a token is the prefix followed by three base64url parts", () =>
      run((signer) =>
        Effect.gen(function*() {
          const token = yield* signer.sign(yield* claimsFor(3600))
          expect(Redacted.value(token).startsWith(TOKEN_PREFIX)).toBe(true)
          expect(jwtParts(token)).toHaveLength(3)
          expect(looksLikeToken(Redacted.value(token))).toBe(true)
        })
      ))

    it.effect("a token is valid until its exp second and expired from then on (Clock time)", () =>
      run((signer) =>
        Effect.gen(function*() {
          const token = yield* signer.sign(yield* claimsFor(60))
          yield* TestClock.adjust("59 seconds")
          yield* signer.verify(token)
          yield* TestClock.adjust("1 second")
          const error = yield* Effect.flip(signer.verify(token))
          expect(error._tag).toBe("TokenExpired")
          yield* TestClock.adjust("1 day")
          expect((yield* Effect.flip(signer.verify(token)))._tag).toBe("TokenExpired")
        })
      ))

    it.effect("a token with a tampered payload is invalid", () =>
      run((signer) =>
        Effect.gen(function*() {
          const [header, payload, signature] = jwtParts(yield* signer.sign(yield* claimsFor(3600)))
          const claims = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8"))
          const forged = Buffer.from(JSON.stringify({ ...claims, wlt: walletB }), "utf8").toString("base64url")
          const error = yield* Effect.flip(signer.verify(Redacted.make(`${TOKEN_PREFIX}${header}.${forged}.${signature}`)))
          expect(error._tag).toBe("InvalidToken")
        })
      ))

    it.effect("a token with a tampered signature is invalid, and the error does not quote it", () =>
      run((signer) =>
        Effect.gen(function*() {
          const [header, payload, signature] = jwtParts(yield* signer.sign(yield* claimsFor(3600)))
          const forged = `${TOKEN_PREFIX}${header}.${payload}.${flipFirstChar(signature!)}`
          const error = yield* Effect.flip(signer.verify(Redacted.make(forged)))
          expect(error._tag).toBe("InvalidToken")
          expect(JSON.stringify(error)).not.toContain(payload)
          expect(error.message).not.toContain(payload)
        })
      ))

    it.effect("a token without the prefix, or no token at all, is invalid", () =>
      run((signer) =>
        Effect.gen(function*() {
          const token = Redacted.value(yield* signer.sign(yield* claimsFor(3600)))
          for (const candidate of [token.slice(TOKEN_PREFIX.length), `Bearer ${token}`, "", TOKEN_PREFIX, "wai_sess_a.b.c"]) {
            const error = yield* Effect.flip(signer.verify(Redacted.make(candidate)))
            expect(error._tag).toBe("InvalidToken")
          }
        })
      ))

    it.effect("the fingerprint is the sha256 hex of the full token, prefix included", () =>
      run((signer) =>
        Effect.gen(function*() {
          const token = yield* signer.sign(yield* claimsFor(3600))
          const fingerprint = signer.fingerprint(token)
          expect(fingerprint).toMatch(/^[0-9a-f]{64}$/)
          expect(fingerprint).toBe(sha256Hex(Redacted.value(token)))
          expect(signer.fingerprint(Redacted.make(Redacted.value(token)))).toBe(fingerprint)
        })
      ))

    it.effect("different tokens have different fingerprints", () =>
      run((signer) =>
        Effect.gen(function*() {
          const first = yield* signer.sign(yield* claimsFor(3600, sessionA))
          const second = yield* signer.sign(yield* claimsFor(3600, sessionB))
          expect(Redacted.value(first)).not.toBe(Redacted.value(second))
          expect(signer.fingerprint(first)).not.toBe(signer.fingerprint(second))
        })
      ))

    it.effect("lastRotatedAt is none before any rotation and the given time after each one", () =>
      run((signer) =>
        Effect.gen(function*() {
          expect(yield* signer.lastRotatedAt).toEqual(Option.none())
          const now = yield* nowSeconds
          yield* signer.rotate(now)
          expect(yield* signer.lastRotatedAt).toEqual(Option.some(now))
          yield* TestClock.adjust("1 hour")
          yield* signer.rotate(now + 3600)
          expect(yield* signer.lastRotatedAt).toEqual(Option.some(now + 3600))
        })
      ))

    it.effect("a token signed before a rotation verifies until the grace window ends, then is invalid", () =>
      run((signer) =>
        Effect.gen(function*() {
          const claims = yield* claimsFor(86_400)
          const token = yield* signer.sign(claims)
          yield* signer.verify(token) // verified (and possibly remembered) before the rotation
          yield* signer.rotate(yield* nowSeconds)
          expect({ ...(yield* signer.verify(token)) }).toStrictEqual({ ...claims })
          yield* TestClock.adjust(`${GRACE_SECONDS - 1} seconds`)
          yield* TestClock.adjust("999 millis")
          expect((yield* signer.verify(token)).sub).toBe(claims.sub)
          yield* TestClock.adjust("1 millis")
          expect(yield* errorTag(signer.verify(token))).toBe("InvalidToken")
          yield* TestClock.adjust("1 day")
          expect(yield* errorTag(signer.verify(token))).toBe("InvalidToken")
        })
      ))

    it.effect("tokens signed after a rotation verify, during the grace window and after it", () =>
      run((signer) =>
        Effect.gen(function*() {
          yield* signer.rotate(yield* nowSeconds)
          const token = yield* signer.sign(yield* claimsFor(86_400))
          yield* signer.verify(token)
          yield* TestClock.adjust(`${GRACE_SECONDS} seconds`)
          yield* signer.verify(token)
          yield* TestClock.adjust("1 hour")
          expect((yield* signer.verify(token)).wlt).toBe(walletA)
        })
      ))

    it.effect("a token from two rotations ago is invalid at once, even inside the latest grace window", () =>
      run((signer) =>
        Effect.gen(function*() {
          const oldest = yield* signer.sign(yield* claimsFor(86_400, sessionA))
          yield* signer.verify(oldest)
          yield* signer.rotate(yield* nowSeconds)
          const middle = yield* signer.sign(yield* claimsFor(86_400, sessionB))
          yield* TestClock.adjust("10 seconds")
          yield* signer.verify(oldest)
          yield* signer.rotate(yield* nowSeconds)
          expect(yield* errorTag(signer.verify(oldest))).toBe("InvalidToken")
          expect((yield* signer.verify(middle)).sub).toBe(sessionB)
        })
      ))

    it.effect("the grace window counts from the given rotation time", () =>
      run((signer) =>
        Effect.gen(function*() {
          const token = yield* signer.sign(yield* claimsFor(86_400))
          // Rotated (by the caller's reckoning) 100 seconds ago: 20 seconds of grace remain.
          yield* signer.rotate((yield* nowSeconds) - 100)
          yield* signer.verify(token)
          yield* TestClock.adjust(`${GRACE_SECONDS - 100} seconds`)
          expect(yield* errorTag(signer.verify(token))).toBe("InvalidToken")
        })
      ))

    it.effect("signedWithCurrentSecret: true until the next rotation (expired or not), then false, even in the grace window", () =>
      run((signer) =>
        Effect.gen(function*() {
          const before = yield* signer.sign(yield* claimsFor(60))
          expect(yield* signer.signedWithCurrentSecret(before)).toBe(true)
          yield* TestClock.adjust("61 seconds")
          expect(yield* signer.signedWithCurrentSecret(before)).toBe(true) // expired, but ours
          yield* signer.rotate(yield* nowSeconds)
          expect(yield* signer.signedWithCurrentSecret(before)).toBe(false)
          const after = yield* signer.sign(yield* claimsFor(86_400))
          expect(yield* signer.signedWithCurrentSecret(after)).toBe(true)
          expect(yield* signer.signedWithCurrentSecret(Redacted.make("wai_sess_a.b.c"))).toBe(false)
          expect(yield* signer.signedWithCurrentSecret(Redacted.make("not a token"))).toBe(false)
        })
      ))

    it.effect("an expired token of the previous secret is expired inside the grace window, invalid after it", () =>
      run((signer) =>
        Effect.gen(function*() {
          const token = yield* signer.sign(yield* claimsFor(60))
          yield* signer.verify(token)
          yield* signer.rotate(yield* nowSeconds)
          yield* TestClock.adjust("60 seconds")
          expect(yield* errorTag(signer.verify(token))).toBe("TokenExpired")
          yield* TestClock.adjust(`${GRACE_SECONDS} seconds`)
          expect(yield* errorTag(signer.verify(token))).toBe("InvalidToken")
        })
      ))
  })
