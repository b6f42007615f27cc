import { describe, expect, it } from "@effect/vitest"
import { renewalDueAt, retryDelaySeconds, tooEarlyDelaySeconds } from "./RenewalSchedule.js"

describe("renewal schedule", () => {
  it("renews at 60% of the token's TTL (exp − iat), rounded up to a whole second", () => {
    expect(renewalDueAt({ iat: 1_000, exp: 1_000 + 86_400 })).toBe(1_000 + 51_840)
    expect(renewalDueAt({ iat: 0, exp: 301 })).toBe(181)
    // Always after the daemon's own threshold (half the TTL), so a timely renewal is never "too early".
    for (const ttl of [300, 3_600, 86_400, 604_800]) expect(renewalDueAt({ iat: 0, exp: ttl })).toBeGreaterThan(ttl / 2)
    expect(renewalDueAt({ iat: 50, exp: 40 })).toBe(50)
  })

  it("backs off 1, 2, 4 … seconds after transient failures, at most a minute", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(retryDelaySeconds)).toEqual([1, 2, 4, 8, 16, 32, 60, 60])
  })

  it("waits details.retryAfter on RENEWAL_TOO_EARLY, or 30 s when it is missing or odd", () => {
    expect(tooEarlyDelaySeconds({ retryAfter: 120, renewableAt: 720 })).toBe(120)
    expect(tooEarlyDelaySeconds({ retryAfter: 0.2 })).toBe(1)
    expect(tooEarlyDelaySeconds(undefined)).toBe(30)
    expect(tooEarlyDelaySeconds({ retryAfter: "soon" })).toBe(30)
    expect(tooEarlyDelaySeconds({ retryAfter: -5 })).toBe(30)
  })
})
