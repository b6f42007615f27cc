import { describe, expect, it } from "@effect/vitest"
import { FastCheck, Schema } from "effect"
import { serverNameCandidates, SLUG_MAX_LENGTH, toSlug } from "./Slug.js"

describe("toSlug", () => {
  it("keeps letters and digits, lower-cased, joined by single dashes", () => {
    expect(toSlug("My Wallet!!")).toBe("my-wallet")
    expect(toSlug(" --Trading__Bot v2 ")).toBe("trading-bot-v2")
    expect(toSlug("Crème Brûlée")).toBe("creme-brulee")
    expect(toSlug("123")).toBe("123")
  })

  it("falls back to 'wallet' when nothing of the name survives", () => {
    expect(toSlug("지갑")).toBe("wallet")
    expect(toSlug("!!!")).toBe("wallet")
  })

  it.prop("is non-empty, [a-z0-9-] only, no edge or double dash, bounded, deterministic", [
    FastCheck.string({ unit: "binary", maxLength: 300 })
  ], ([name]) => {
    const slug = toSlug(name)
    expect(slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/)
    expect(slug.length).toBeLessThanOrEqual(SLUG_MAX_LENGTH)
    expect(toSlug(name)).toBe(slug)
  })
})

describe("serverNameCandidates", () => {
  const id = "01936b2e-1c4d-7a00-8000-0123456789ab"

  it("starts with waiaas-<slug>", () => {
    expect(serverNameCandidates("My Trading Bot", id)[0]).toBe("waiaas-my-trading-bot")
  })

  it("stays within 32 characters even for a long name with a suffix", () => {
    for (const candidate of serverNameCandidates("a".repeat(100), id)) expect(candidate.length).toBeLessThanOrEqual(32)
  })

  it.prop("every candidate is a valid config key of at most 32 characters", [Schema.String], ([name]) => {
    const candidates = serverNameCandidates(name, id)
    expect(new Set(candidates).size).toBe(candidates.length)
    for (const candidate of candidates) {
      expect(candidate).toMatch(/^waiaas-[a-z0-9]+(-[a-z0-9]+)*$/)
      expect(candidate.length).toBeLessThanOrEqual(32)
    }
  })
})
