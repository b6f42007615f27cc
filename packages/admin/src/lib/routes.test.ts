import { describe, expect, it } from "vitest"
import { hrefFor, parseRoute } from "./routes.js"

describe("routes", () => {
  it("parses the UI's pages under /admin/", () => {
    expect(parseRoute("/admin/")).toEqual({ page: "wallets" })
    expect(parseRoute("/admin")).toEqual({ page: "wallets" })
    expect(parseRoute("/admin/wallets")).toEqual({ page: "wallets" })
    expect(parseRoute("/admin/wallets/0197-a")).toEqual({ page: "wallet", walletId: "0197-a" })
    expect(parseRoute("/admin/events/")).toEqual({ page: "events" })
    expect(parseRoute("/admin/settings")).toEqual({ page: "settings" })
    expect(parseRoute("/admin/nope")).toEqual({ page: "notFound", path: "/admin/nope" })
    expect(parseRoute("/admin/wallets/%E0%A4%A")).toEqual({ page: "notFound", path: "/admin/wallets/%E0%A4%A" })
  })

  it("round-trips every page through its href", () => {
    for (const route of [{ page: "wallets" }, { page: "wallet", walletId: "a b/c" }, { page: "events" }, { page: "settings" }] as const) {
      expect(parseRoute(hrefFor(route))).toEqual(route)
    }
  })
})
