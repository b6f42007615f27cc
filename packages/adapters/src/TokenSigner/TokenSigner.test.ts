import { randomBytes } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import { TOKEN_PREFIX, TokenSigner } from "@waiaas/domain"
import { Effect, Layer, Option, Redacted, TestClock } from "effect"
import { SignJWT } from "jose"
import { JwtSecrets } from "../JwtSecrets/JwtSecrets.js"
import { TokenSignerJose } from "./Jose.js"
import { TokenSignerMemory } from "./Memory.js"
import { claimsFor, START_MS, tokenSignerContract, walletA } from "./TokenSigner.contract.js"

const newSecret = () => new Uint8Array(randomBytes(32))

const secretsLayer = (current: Uint8Array, previous: Option.Option<Uint8Array> = Option.none()) =>
  Layer.succeed(JwtSecrets, { current: Effect.succeed(current), previous: Effect.succeed(previous) })

const joseWith = (current: Uint8Array, previous: Option.Option<Uint8Array> = Option.none()) =>
  TokenSignerJose.pipe(Layer.provide(secretsLayer(current, previous)))

tokenSignerContract("jose", () => joseWith(newSecret()))
tokenSignerContract("memory", () => TokenSignerMemory)

describe("TokenSignerJose", () => {
  const signWith = (secret: Uint8Array, ttl = 3600) =>
    Effect.gen(function*() {
      return yield* (yield* TokenSigner).sign(yield* claimsFor(ttl))
    }).pipe(Effect.provide(joseWith(secret)))

  const verifyWith = (layer: Layer.Layer<TokenSigner>, token: Redacted.Redacted<string>) =>
    Effect.flatMap(TokenSigner, (signer) => signer.verify(token)).pipe(Effect.provide(layer))

  /** A JWT with our claims but a header and signature of the caller's choosing. */
  const handMade = (header: object, payload: object, signature: string) =>
    Redacted.make(
      TOKEN_PREFIX + [header, payload].map((part) => Buffer.from(JSON.stringify(part)).toString("base64url")).join(".") +
        "." + signature
    )

  it.effect("a token signed with the previous secret still verifies after a rotation", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(START_MS)
      const [old, current] = [newSecret(), newSecret()]
      const token = yield* signWith(old)
      const claims = yield* verifyWith(joseWith(current, Option.some(old)), token)
      expect(claims.wlt).toBe(walletA)
    }))

  it.effect("a token signed with a secret that is neither current nor previous is invalid", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(START_MS)
      const token = yield* signWith(newSecret())
      const error = yield* Effect.flip(verifyWith(joseWith(newSecret(), Option.some(newSecret())), token))
      expect(error._tag).toBe("InvalidToken")
    }))

  it.effect("an expired token signed with the previous secret is reported as expired", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(START_MS)
      const [old, current] = [newSecret(), newSecret()]
      const token = yield* signWith(old, 60)
      yield* TestClock.adjust("2 minutes")
      const error = yield* Effect.flip(verifyWith(joseWith(current, Option.some(old)), token))
      expect(error._tag).toBe("TokenExpired")
    }))

  it.effect("an expired token signed with an unknown secret is invalid, not expired", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(START_MS)
      const token = yield* signWith(newSecret(), 60)
      yield* TestClock.adjust("2 minutes")
      const error = yield* Effect.flip(verifyWith(joseWith(newSecret()), token))
      expect(error._tag).toBe("InvalidToken")
    }))

  it.effect("an unsigned token (alg: none) is refused", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(START_MS)
      const claims = yield* claimsFor(3600)
      const layer = joseWith(newSecret())
      for (const signature of ["", "AAAA"]) {
        const token = handMade({ alg: "none", typ: "JWT" }, { ...claims }, signature)
        expect((yield* Effect.flip(verifyWith(layer, token)))._tag).toBe("InvalidToken")
      }
    }))

  it.effect("a token signed with the right secret but HS512 is refused", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(START_MS)
      const secret = newSecret()
      const claims = yield* claimsFor(3600)
      const jwt = yield* Effect.promise(() =>
        new SignJWT({ ...claims }).setProtectedHeader({ alg: "HS512", typ: "JWT" }).sign(secret)
      )
      const error = yield* Effect.flip(verifyWith(joseWith(secret), Redacted.make(TOKEN_PREFIX + jwt)))
      expect(error._tag).toBe("InvalidToken")
    }))

  it.effect("a correctly signed token whose claims break the TokenClaims schema is invalid", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(START_MS)
      const secret = newSecret()
      const claims = yield* claimsFor(3600)
      const layer = joseWith(secret)
      for (const payload of [{ ...claims, wlt: "../../etc/passwd" }, { ...claims, sub: undefined }, { ...claims, iat: -5 }]) {
        const jwt = yield* Effect.promise(() =>
          new SignJWT(JSON.parse(JSON.stringify(payload))).setProtectedHeader({ alg: "HS256" }).sign(secret)
        )
        expect((yield* Effect.flip(verifyWith(layer, Redacted.make(TOKEN_PREFIX + jwt))))._tag).toBe("InvalidToken")
      }
    }))

  it.effect("the JWT carries exactly sub, wlt, iat and exp from the given claims", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(START_MS)
      const claims = yield* claimsFor(3600)
      const token = yield* Effect.flatMap(TokenSigner, (signer) => signer.sign(claims)).pipe(
        Effect.provide(joseWith(newSecret()))
      )
      const [header, payload] = Redacted.value(token).slice(TOKEN_PREFIX.length).split(".")
      expect(JSON.parse(Buffer.from(header!, "base64url").toString())).toEqual({ alg: "HS256", typ: "JWT" })
      expect(JSON.parse(Buffer.from(payload!, "base64url").toString())).toStrictEqual({
        sub: claims.sub,
        wlt: claims.wlt,
        iat: START_MS / 1000,
        exp: START_MS / 1000 + 3600
      })
    }))
})
