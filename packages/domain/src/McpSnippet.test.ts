import { describe, expect, it } from "@effect/vitest"
import { FastCheck } from "effect"
import { claudeDesktopConfig } from "./McpSnippet.js"
import { serverNameCandidates } from "./Slug.js"

describe("claudeDesktopConfig", () => {
  it.prop("is valid JSON with every env key, for any wallet name and data dir", [
    FastCheck.string({ unit: "binary", maxLength: 100 }),
    FastCheck.string({ unit: "binary", minLength: 1, maxLength: 200 })
  ], ([walletName, dataDir]) => {
    const walletId = "01936b2e-1c4d-7a00-8000-0123456789ab"
    const serverName = serverNameCandidates(walletName, walletId)[0]!
    const config = claudeDesktopConfig({
      serverName,
      command: "/usr/bin/node",
      args: ["/opt/waiaas/packages/mcp/dist/main.js"],
      env: {
        WAIAAS_DATA_DIR: dataDir,
        WAIAAS_BASE_URL: "http://127.0.0.1:3100",
        WAIAAS_WALLET_ID: walletId,
        WAIAAS_WALLET_NAME: walletName
      }
    })
    const parsed = JSON.parse(JSON.stringify(config))
    expect(Object.keys(parsed.mcpServers)).toEqual([serverName])
    const entry = parsed.mcpServers[serverName]
    expect(entry.command).toBe("/usr/bin/node")
    expect(entry.args).toEqual(["/opt/waiaas/packages/mcp/dist/main.js"])
    expect(entry.env).toEqual({
      WAIAAS_DATA_DIR: dataDir,
      WAIAAS_BASE_URL: "http://127.0.0.1:3100",
      WAIAAS_WALLET_ID: walletId,
      WAIAAS_WALLET_NAME: walletName
    })
    expect(JSON.stringify(config)).not.toContain("wai_sess_")
  })
})
