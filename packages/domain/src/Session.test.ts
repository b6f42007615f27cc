import { describe, expect, it } from "@effect/vitest"
import { FastCheck, Schema } from "effect"
import { ExpiresIn, Session, sessionStatus } from "./Session.js"

const accepts = Schema.is(ExpiresIn)

describe("ExpiresIn", () => {
  it.prop("accepts a value iff it is an integer in [300, 604800]", [
    FastCheck.oneof(
      FastCheck.integer({ min: -1_000_000, max: 2_000_000 }),
      FastCheck.double(),
      FastCheck.constantFrom(299, 300, 604800, 604801, 300.5, Number.NaN, Number.POSITIVE_INFINITY)
    )
  ], ([value]) => {
    expect(accepts(value)).toBe(Number.isInteger(value) && value >= 300 && value <= 604800)
  })

  it("refuses what JSON might carry instead of a number", () => {
    for (const value of ["3600", null, true, [3600], { value: 3600 }]) expect(accepts(value)).toBe(false)
  })
})

describe("sessionStatus", () => {
  const session = (fields: Partial<ConstructorParameters<typeof Session>[0]>) =>
    new Session({
      id: "01936b2e-1c4d-7a00-8000-0123456789ab" as Session["id"],
      walletId: "01936b2e-1c4d-7a00-8000-0123456789ac" as Session["walletId"],
      tokenHash: "x",
      source: "mcp",
      ttl: 1000,
      expiresAt: 1000,
      absoluteExpiresAt: 5000,
      renewalCount: 0,
      maxRenewals: 30,
      lastRenewedAt: null,
      revokedAt: null,
      expiredAt: null,
      createdAt: 0,
      ...fields
    })

  it("is ACTIVE before expiresAt, EXPIRED from it, REVOKED once revoked", () => {
    expect(sessionStatus(session({}), 999)).toBe("ACTIVE")
    expect(sessionStatus(session({}), 1000)).toBe("EXPIRED")
    expect(sessionStatus(session({ revokedAt: 10 }), 500)).toBe("REVOKED")
  })
})
