import { describe, expect, it } from "@effect/vitest"
import { humanDuration, relativeTime, utcTimestamp } from "./TimeText.js"

describe("TimeText", () => {
  it("prints UTC to the second", () => {
    expect(utcTimestamp(1_735_787_045)).toBe("2025-01-02T03:04:05Z")
  })

  it("says a duration in its two largest units, to the nearest minute", () => {
    expect(humanDuration(86_399)).toBe("1d")
    expect(humanDuration(90_000)).toBe("1d 1h")
    expect(humanDuration(3_599)).toBe("1h")
    expect(humanDuration(5_400)).toBe("1h 30m")
    expect(humanDuration(61)).toBe("1m")
    expect(humanDuration(59)).toBe("less than a minute")
  })

  it("says whether a time is ahead or past", () => {
    expect(relativeTime(1_000 + 600, 1_000)).toBe("in 10m")
    expect(relativeTime(1_000 - 7_200, 1_000)).toBe("2h ago")
  })
})
