import { randomBytes, webcrypto } from "node:crypto"
import { describe, expect, it, vi } from "@effect/vitest"
import { TOKEN_PREFIX, TokenSigner } from "@waiaas/domain"
import { Effect, Layer, Option, Redacted, TestClock } from "effect"
import { SignJWT } from "jose"
import { JwtSecrets } from "../JwtSecrets/JwtSecrets.js"
import { JwtSecretsMemory } from "../JwtSecrets/Memory.js"
import { JwtSecretsSqlite } from "../JwtSecrets/Sqlite.js"
import { MemoryStore } from "../MemoryStore.js"
import { TempSqliteLive } from "../testing/TempSqlite.js"
import { makeTokenSignerJose, TokenSignerJose } from "./Jose.js"
import { TokenSignerMemory } from "./Memory.js"
import {
  claimsFor,
  GRACE_SECONDS,
  settingsWithGrace,
  START_MS,
  tokenSignerContract,
  walletA
} from "./TokenSigner.contract.js"

const newSecret = () => new Uint8Array(randomBytes(32))

/** Fixed secrets; the previous one retired at START (whole seconds). Rotation is not what these tests exercise. */
const secretsLayer = (current: Uint8Array, previous: Option.Option<Uint8Array> = Option.none()) =>
  Layer.succeed(JwtSecrets, {
    state: Effect.succeed({ current, previous: Option.map(previous, (secret) => ({ secret, rotatedAt: START_MS / 1000 })) }),
    rotate: () => Effect.die("not used")
  })

const joseWith = (current: Uint8Array, previous: Option.Option<Uint8Array> = Option.none(), grace = GRACE_SECONDS) =>
  TokenSignerJose.pipe(Layer.provide(Layer.merge(secretsLayer(current, previous), settingsWithGrace(grace))))

const memorySecrets = JwtSecretsMemory.pipe(Layer.provide(MemoryStore.layer))

tokenSignerContract("jose (cached)", () => TokenSignerJose.pipe(Layer.provide(memorySecrets)))
tokenSignerContract("jose (no cache)", () => makeTokenSignerJose({ verifiedCacheSize: 0 }).pipe(Layer.provide(memorySecrets)))
tokenSignerContract("jose (cache of 1)", () => makeTokenSignerJose({ verifiedCacheSize: 1 }).pipe(Layer.provide(memorySecrets)))
tokenSignerContract("jose over sqlite", () =>
  TokenSignerJose.pipe(Layer.provide(JwtSecretsSqlite), Layer.provide(TempSqliteLive)))
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

  it.effect("an expired token signed with the previous secret is reported as expired (inside the grace window)", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(START_MS)
      const [old, current] = [newSecret(), newSecret()]
      const token = yield* signWith(old, 60)
      yield* TestClock.adjust("90 seconds")
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

  it.effect("the previous secret is not even tried once the configured grace window is over", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(START_MS)
      const [old, current] = [newSecret(), newSecret()]
      const token = yield* signWith(old)
      yield* TestClock.adjust("299 seconds")
      yield* verifyWith(joseWith(current, Option.some(old), 300), token)
      expect((yield* Effect.flip(verifyWith(joseWith(current, Option.some(old), 299), token)))._tag).toBe("InvalidToken")
      yield* TestClock.adjust("1 second")
      expect((yield* Effect.flip(verifyWith(joseWith(current, Option.some(old), 300), token)))._tag).toBe("InvalidToken")
      yield* verifyWith(joseWith(current, Option.some(old), 86_400), token)
    }))

  it.effect("rotate persists through JwtSecrets and lastRotatedAt reads the retired secret's rotation time", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(START_MS)
      const secrets = yield* JwtSecrets
      const signer = yield* TokenSigner
      const before = (yield* secrets.state).current
      yield* signer.rotate(1_800_000_000)
      const after = yield* secrets.state
      expect(Buffer.from(after.current).equals(Buffer.from(before))).toBe(false)
      expect(Option.map(after.previous, (p) => Buffer.from(p.secret).equals(Buffer.from(before)))).toEqual(Option.some(true))
      expect(yield* signer.lastRotatedAt).toEqual(Option.some(1_800_000_000))
    }).pipe(Effect.provide(
      TokenSignerJose.pipe(Layer.provideMerge(memorySecrets), Layer.provide(settingsWithGrace(GRACE_SECONDS)))
    )))

  it.effect("a remembered token does not make a forged variant of it valid", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(START_MS)
      const signer = yield* TokenSigner
      const token = Redacted.value(yield* signer.sign(yield* claimsFor(3600)))
      yield* signer.verify(Redacted.make(token))
      const [header, payload, signature] = token.slice(TOKEN_PREFIX.length).split(".")
      const claims = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8"))
      const otherPayload = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 1 })).toString("base64url")
      for (const forged of [`${header}.${otherPayload}.${signature}`, `${header}.${payload}.${signature}A`, `${header}.${payload}.`]) {
        expect((yield* Effect.flip(signer.verify(Redacted.make(TOKEN_PREFIX + forged))))._tag).toBe("InvalidToken")
      }
      yield* signer.verify(Redacted.make(token))
    }).pipe(Effect.provide(joseWith(newSecret()))))

  it.effect("a remembered token is checked against the secrets of the moment, not those that verified it", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(START_MS)
      const [old, current] = [newSecret(), newSecret()]
      const token = yield* signWith(old)
      // One signer whose JwtSecrets changes underneath it: old is current, then previous, then gone.
      let state = { current: old, previous: Option.none<{ secret: Uint8Array; rotatedAt: number }>() }
      const changing = Layer.succeed(JwtSecrets, { state: Effect.sync(() => state), rotate: () => Effect.die("not used") })
      yield* Effect.gen(function*() {
        const signer = yield* TokenSigner
        yield* signer.verify(token)
        state = { current, previous: Option.some({ secret: old, rotatedAt: START_MS / 1000 }) }
        yield* signer.verify(token)
        state = { current: newSecret(), previous: Option.some({ secret: current, rotatedAt: START_MS / 1000 }) }
        expect((yield* Effect.flip(signer.verify(token)))._tag).toBe("InvalidToken")
      }).pipe(Effect.provide(TokenSignerJose.pipe(Layer.provide(Layer.merge(changing, settingsWithGrace(GRACE_SECONDS))))))
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

  it.effect("signs exactly what jose's SignJWT would, byte for byte, for any claims", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(START_MS)
      const secret = newSecret()
      for (let i = 0; i < 20; i++) {
        const claims = yield* claimsFor(1 + Math.floor(Math.random() * 604_800))
        const ours = yield* Effect.flatMap(TokenSigner, (signer) => signer.sign(claims)).pipe(
          Effect.provide(joseWith(secret))
        )
        const theirs = yield* Effect.promise(() =>
          new SignJWT({ sub: claims.sub, wlt: claims.wlt, iat: claims.iat, exp: claims.exp })
            .setProtectedHeader({ alg: "HS256", typ: "JWT" })
            .sign(secret)
        )
        expect(Redacted.value(ours)).toBe(TOKEN_PREFIX + theirs)
        yield* TestClock.adjust(`${1 + Math.floor(Math.random() * 1000)} seconds`)
      }
    }))

  it.effect("imports each secret's HMAC key once, not on every sign and verify", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(START_MS)
      const [old, current] = [newSecret(), newSecret()]
      const fromOld = yield* signWith(old)
      const importKey = vi.spyOn(webcrypto.subtle, "importKey")
      try {
        yield* Effect.gen(function*() {
          const signer = yield* TokenSigner
          const tokens = [yield* signer.sign(yield* claimsFor(60)), yield* signer.sign(yield* claimsFor(120))]
          for (const token of [...tokens, ...tokens, fromOld, fromOld]) yield* signer.verify(token)
          yield* signer.signedWithCurrentSecret(fromOld)
        }).pipe(Effect.provide(
          makeTokenSignerJose({ verifiedCacheSize: 0 }).pipe(
            Layer.provide(Layer.merge(secretsLayer(current, Option.some(old)), settingsWithGrace(GRACE_SECONDS)))
          )
        ))
        // One for the current secret, one for the previous: none per call.
        expect(importKey).toHaveBeenCalledTimes(2)
      } finally {
        importKey.mockRestore()
      }
    }))
})
