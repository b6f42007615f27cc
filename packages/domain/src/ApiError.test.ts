import { describe, expect, it } from "@effect/vitest"
import { HttpApiSchema } from "@effect/platform"
import { Effect, FiberRef, Schema } from "effect"
import { CurrentRequestId, wire } from "./ApiError.js"
import { RouteNotFound, SessionLimitExceeded, WalletNotFound } from "./Errors.js"

describe("wire", () => {
  it.effect("encodes a tagged error as {code, message, requestId, retryable, details?, hint?}", () =>
    Effect.gen(function*() {
      yield* FiberRef.set(CurrentRequestId, "rid-1")
      const body = yield* Schema.encode(wire(SessionLimitExceeded))(
        new SessionLimitExceeded({ message: "full", details: { active: 5, max: 5 } })
      )
      expect(body).toEqual({
        code: "SESSION_LIMIT_EXCEEDED",
        message: "full",
        requestId: "rid-1",
        retryable: false,
        details: { active: 5, max: 5 },
        hint: SessionLimitExceeded.spec.hint
      })
    }))

  it.effect("decodes such a body back into the tagged error, recognised by its code", () =>
    Effect.gen(function*() {
      const schema = Schema.Union(wire(WalletNotFound), wire(RouteNotFound))
      const error = yield* Schema.decodeUnknown(schema)({
        code: "WALLET_NOT_FOUND",
        message: "gone",
        requestId: "r",
        retryable: false
      })
      expect(error).toBeInstanceOf(WalletNotFound)
      expect(error.message).toBe("gone")
      const wrongCode = yield* Effect.either(Schema.decodeUnknown(wire(WalletNotFound))({
        code: "NOT_FOUND",
        message: "x",
        requestId: "r",
        retryable: false
      }))
      expect(wrongCode._tag).toBe("Left")
    }))

  it("carries the HTTP status declared on the class", () => {
    expect(HttpApiSchema.getStatusError(wire(WalletNotFound))).toBe(404)
    expect(HttpApiSchema.getStatusError(wire(SessionLimitExceeded))).toBe(403)
  })
})
