import { describe, expect, it } from "vitest"
import { formatDuration, formatDurationPrecise, formatRelative } from "./time.js"

describe("relative times", () => {
  const now = 1_700_000_000
  it.each([
    [now + 23 * 3600 + 59 * 60, "in 23 h"],
    [now + 3600, "in 1 h"],
    [now + 59 * 60 + 59, "in 59 min"],
    [now + 90, "in 1 min"],
    [now + 42, "in 42 s"],
    [now + 3, "just now"],
    [now - 4, "just now"],
    [now - 300, "5 min ago"],
    [now - 2 * 86400, "2 d ago"],
    [now + 7 * 86400, "in 7 d"]
  ])("%i → %s", (at, text) => {
    expect(formatRelative(at, now)).toBe(text)
  })

  it("says a wait precisely enough to act on", () => {
    expect(formatDurationPrecise(90)).toBe("1 min 30 s")
    expect(formatDurationPrecise(299.2)).toBe("5 min")
    expect(formatDurationPrecise(3600 + 120)).toBe("1 h 2 min")
    expect(formatDurationPrecise(86400 * 2 + 3600)).toBe("2 d 1 h")
    expect(formatDurationPrecise(-5)).toBe("0 s")
    expect(formatDuration(900)).toBe("15 min")
  })
})
