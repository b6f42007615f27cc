import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as path from "node:path"
import { DEFAULT_BASE_URL, describeConfigProblems, parseServerConfig } from "./ServerConfig.js"

const walletId = "01a21ed5-ee68-71f8-87d4-655200a8dfb4"

describe("parseServerConfig", () => {
  it("builds the token path from a validated wallet id, with the default base URL", () => {
    const config = Either.getOrThrow(parseServerConfig({
      WAIAAS_DATA_DIR: "/home/me/.waiaas",
      WAIAAS_WALLET_ID: walletId,
      WAIAAS_WALLET_NAME: "Trading Bot"
    }))
    expect(config).toEqual({
      dataDir: "/home/me/.waiaas",
      baseUrl: DEFAULT_BASE_URL,
      walletId,
      walletName: "Trading Bot",
      tokenPath: path.join("/home/me/.waiaas", "mcp-tokens", walletId)
    })
  })

  it("takes WAIAAS_BASE_URL without a trailing slash, and falls back to the id for a missing name", () => {
    const config = Either.getOrThrow(parseServerConfig({
      WAIAAS_DATA_DIR: "/d",
      WAIAAS_WALLET_ID: walletId,
      WAIAAS_BASE_URL: "http://127.0.0.1:4100/"
    }))
    expect(config.baseUrl).toBe("http://127.0.0.1:4100")
    expect(config.walletName).toBe(walletId)
  })

  it("names every missing or invalid variable; a wallet id never reaches a path unvalidated", () => {
    const problems = (env: Record<string, string>) =>
      Either.match(parseServerConfig(env), { onLeft: (p) => p, onRight: () => [] })
    expect(problems({})).toEqual([
      "WAIAAS_DATA_DIR is not set: the daemon's data directory (it holds mcp-tokens/).",
      "WAIAAS_WALLET_ID is not set: the id of the wallet this server acts for."
    ])
    for (const bad of ["../../etc/passwd", walletId.toUpperCase(), "01a21ed5-ee68-41f8-87d4-655200a8dfb4"]) {
      expect(problems({ WAIAAS_DATA_DIR: "/d", WAIAAS_WALLET_ID: bad })).toEqual([
        `WAIAAS_WALLET_ID ${JSON.stringify(bad)} is not a wallet id (a lower-case UUID v7).`
      ])
    }
    expect(problems({ WAIAAS_DATA_DIR: "/d", WAIAAS_WALLET_ID: walletId, WAIAAS_BASE_URL: "ftp://x" })).toEqual([
      `WAIAAS_BASE_URL "ftp://x" is not an http(s) URL.`
    ])
    expect(describeConfigProblems(problems({}))).toMatch(/^waiaas-mcp cannot start:\n  - WAIAAS_DATA_DIR is not set/)
  })
})
