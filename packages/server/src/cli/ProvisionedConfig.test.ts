import { describe, expect, it } from "@effect/vitest"
import { claudeDesktopConfig, clientSnippets, type McpLaunch, WalletId } from "@waiaas/domain"
import { Either } from "effect"
import { parse as parseToml } from "smol-toml"
import { combinedSnippet, entriesOf, launchOf, type Provisioned } from "./ProvisionedConfig.js"

const launch = (name: string, n: number): McpLaunch => ({
  serverName: `waiaas-${name}`,
  command: "npx",
  args: ["@waiaas/mcp"],
  env: {
    WAIAAS_DATA_DIR: "/data",
    WAIAAS_BASE_URL: "http://127.0.0.1:3100",
    WAIAAS_WALLET_ID: `01936b2e-1c4d-7a00-8000-00000000000${n}`,
    WAIAAS_WALLET_NAME: name
  }
})

/** What the daemon answers for a launch (the same domain functions render it there). */
const provisioned = (l: McpLaunch): Provisioned => ({
  walletId: WalletId.make(l.env.WAIAAS_WALLET_ID),
  walletName: l.env.WAIAAS_WALLET_NAME,
  serverName: l.serverName,
  tokenPath: `/data/mcp-tokens/${l.env.WAIAAS_WALLET_ID}`,
  expiresAt: 0,
  claudeDesktopConfig: claudeDesktopConfig(l),
  clients: clientSnippets(l)
})

const alpha = provisioned(launch("alpha", 1))
const beta = provisioned(launch("beta", 2))

describe("ProvisionedConfig", () => {
  it("reads the launch back from the daemon's answer", () => {
    expect(launchOf(alpha)).toEqual(Either.right(launch("alpha", 1)))
    expect(Either.isLeft(launchOf({ ...alpha, serverName: "waiaas-other" }))).toBe(true)
  })

  it("gives one wallet's snippet exactly as the daemon rendered it", () => {
    expect(combinedSnippet("cursor", [alpha])).toEqual(Either.right(alpha.clients.find((s) => s.client === "cursor")!.content))
  })

  it("combines several wallets into one JSON document, TOML file, or command list", () => {
    expect(JSON.parse(Either.getOrThrow(combinedSnippet("vscode", [alpha, beta])))).toEqual({
      servers: {
        "waiaas-alpha": { type: "stdio", command: "npx", args: ["@waiaas/mcp"], env: launch("alpha", 1).env },
        "waiaas-beta": { type: "stdio", command: "npx", args: ["@waiaas/mcp"], env: launch("beta", 2).env }
      }
    })
    expect(Object.keys(parseToml(Either.getOrThrow(combinedSnippet("codex", [alpha, beta]))).mcp_servers as object)).toEqual([
      "waiaas-alpha",
      "waiaas-beta"
    ])
    const commands = Either.getOrThrow(combinedSnippet("claude-code", [alpha, beta])).split("\n")
    expect(commands).toHaveLength(2)
    expect(commands.every((c) => c.startsWith("claude mcp add-json -s user waiaas-"))).toBe(true)
  })

  it("builds the structured entries the install merges", () => {
    expect(Either.getOrThrow(entriesOf("zed", [alpha]))).toEqual([{
      format: "json",
      containerPath: ["context_servers"],
      containerKind: "object",
      name: "waiaas-alpha",
      value: { source: "custom", command: "npx", args: ["@waiaas/mcp"], env: launch("alpha", 1).env }
    }])
  })
})
