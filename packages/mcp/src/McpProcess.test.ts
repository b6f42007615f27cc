import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { describe, expect, it } from "@effect/vitest"
import { SessionId } from "@waiaas/domain"
import { Effect, Either, Layer, Redacted } from "effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { DaemonClient } from "./DaemonClient.js"
import { DaemonClientLive } from "./DaemonClientLive.js"
import { ServerConfig } from "./ServerConfig.js"
import { testConfig } from "./testing/Fakes.js"
import { type Daemon, MCP_MAIN, startDaemon, stopDaemon } from "./testing/Processes.js"
import { tempDirsRemovedAfterAll } from "@waiaas/server/testing/TempDirs"

const tempDir = tempDirsRemovedAfterAll("waiaas-mcp-e2e-")

/** An MCP client (the official SDK) that launched our server; its stderr is collected. */
const connect = async (entry: { command: string; args: ReadonlyArray<string>; env: Record<string, string> }) => {
  const transport = new StdioClientTransport({ command: entry.command, args: [...entry.args], env: entry.env, stderr: "pipe" })
  let stderr = ""
  transport.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8")
  })
  const client = new Client({ name: "waiaas-e2e", version: "1.0.0" })
  await client.connect(transport)
  return { client, transport, stderr: () => stderr }
}

type Connected = Awaited<ReturnType<typeof connect>>

const callTool = async (mcp: Connected, name: string) => {
  const result = await mcp.client.callTool({ name, arguments: {} })
  const content = result.content as Array<{ type: string; text: string }>
  return { isError: result.isError === true, text: content[0]!.text }
}

const noTokenPrefix = (walletId: string) =>
  "No valid token for wallet Trading Bot: provision one with `POST /v1/mcp/tokens` (Admin UI → Wallet → Provision " +
  `MCP token, or \`waiaas mcp setup --wallet ${walletId}\`).\nReason: `

/** Asks the daemon to renew with our contract-derived client: proves the wire format of the renewal route. */
const renewOnce = (baseUrl: string, token: string, sessionId: string) =>
  Effect.runPromise(
    Effect.flatMap(DaemonClient, (daemon) => Effect.either(daemon.renew(Redacted.make(token), SessionId.make(sessionId)))).pipe(
      Effect.provide(DaemonClientLive.pipe(Layer.provide(Layer.succeed(ServerConfig, { ...testConfig, baseUrl }))))
    )
  )

describe("the MCP server as Claude Desktop runs it (official SDK client, real daemon)", () => {
  it("serves the provisioned wallet and heals through re-provisioning, rotation, revocation and a stopped daemon", async () => {
    const dataDir = tempDir()
    // No WAIAAS_MCP_* overrides: the daemon's default snippet must launch this package's built server.
    const daemon: Daemon = await startDaemon(dataDir, {})
    let mcp: Connected | undefined
    try {
      expect(daemon.output()).toContain("daemon listening on")
      const created = await daemon.admin("POST", "/v1/wallets", { name: "Trading Bot" })
      expect(created.status).toBe(201)
      const walletId: string = created.json.id

      const provisioned = await daemon.admin("POST", "/v1/mcp/tokens", { walletId })
      expect(provisioned.status).toBe(201)
      const entry = provisioned.json.claudeDesktopConfig.mcpServers[provisioned.json.serverName]
      expect([entry.command, ...entry.args]).toEqual([process.execPath, MCP_MAIN])
      expect(entry.env).toEqual(expect.objectContaining({ WAIAAS_WALLET_ID: walletId, WAIAAS_DATA_DIR: dataDir }))

      mcp = await connect(entry)
      expect(mcp.client.getServerVersion()?.name).toBe(provisioned.json.serverName)
      const pid = mcp.transport.pid

      const { tools } = await mcp.client.listTools()
      expect(tools.map((tool) => tool.name).sort()).toEqual(["get_session", "get_wallet"])
      for (const tool of tools) {
        expect(tool.name.length).toBeLessThanOrEqual(24)
        expect(tool.description).toMatch(/^\[Trading Bot\] /)
      }

      // get_wallet answers what the admin API says about the wallet.
      const wallet = await callTool(mcp, "get_wallet")
      expect(wallet.isError).toBe(false)
      const adminView = await daemon.admin("GET", `/v1/wallets/${walletId}`)
      const { chain, id, name, network, status } = adminView.json
      expect(JSON.parse(wallet.text)).toEqual({ id, name, chain, network, status })

      const session = await callTool(mcp, "get_session")
      expect(session.isError).toBe(false)
      const sessionView = JSON.parse(session.text)
      expect(sessionView).toEqual(expect.objectContaining({ walletId, walletName: "Trading Bot", source: "mcp" }))
      expect(sessionView.renewalsLeft).toBe(sessionView.maxRenewals - sessionView.renewalCount)
      expect(sessionView.expiresAt.iso).toBe(new Date(sessionView.expiresAt.epoch * 1000).toISOString())

      // Renewal speaks the contract: a fresh token is "too early", with details.retryAfter.
      const token = fs.readFileSync(path.join(dataDir, "mcp-tokens", walletId), "utf8").trim()
      const renewal = await renewOnce(daemon.baseUrl, token, sessionView.sessionId)
      expect(Either.isLeft(renewal) && renewal.left._tag).toBe("RenewalTooEarly")
      expect(Either.isLeft(renewal) && "details" in renewal.left && renewal.left.details?.retryAfter).toBeGreaterThan(0)

      // Re-provisioning replaces the session: the same process picks up the new token after one 401.
      expect((await daemon.admin("POST", "/v1/mcp/tokens", { walletId })).status).toBe(201)
      expect(await callTool(mcp, "get_wallet")).toEqual({ isError: false, text: wallet.text })

      // Rotating the secret re-signs the token file; again the running process heals.
      expect((await daemon.admin("POST", "/v1/admin/rotate-secret")).status).toBe(200)
      expect(await callTool(mcp, "get_wallet")).toEqual({ isError: false, text: wallet.text })

      // Revoked: a clear, non-crashing answer that says how to provision.
      expect((await daemon.admin("DELETE", `/v1/mcp/tokens/${walletId}`)).status).toBe(200)
      const revoked = await callTool(mcp, "get_wallet")
      expect(revoked.isError).toBe(true)
      expect(revoked.text.startsWith(noTokenPrefix(walletId))).toBe(true)

      // Provisioned again: healed without a restart.
      expect((await daemon.admin("POST", "/v1/mcp/tokens", { walletId })).status).toBe(201)
      expect(await callTool(mcp, "get_wallet")).toEqual({ isError: false, text: wallet.text })

      // The daemon stops: the tool says so, and the server stays up.
      expect(await stopDaemon(daemon)).toBe(0)
      const down = await callTool(mcp, "get_wallet")
      expect(down.isError).toBe(true)
      expect(down.text).toMatch(
        new RegExp(`^WAIaaS daemon at ${daemon.baseUrl.replace(/\./g, "\\.")} is not reachable — is it running\\?`)
      )
      expect(mcp.transport.pid).toBe(pid)

      // The client closes stdin: the server exits on its own, well before the SDK's 2 s SIGTERM fallback.
      const closing = Date.now()
      await mcp.client.close()
      expect(Date.now() - closing).toBeLessThan(1500)
      expect(() => process.kill(pid!, 0)).toThrow()
      expect(mcp.stderr()).toContain("Exiting: stdin closed.")

      // Nothing it logged holds a token.
      expect(mcp.stderr()).not.toContain("wai_sess_")
      expect(mcp.stderr()).not.toContain(token.split(".")[2])
    } finally {
      await mcp?.client.close().catch(() => undefined)
      await stopDaemon(daemon)
    }
  }, 60_000)

  it("answers initialize at once when there is no token file, and explains how to provision", async () => {
    const dataDir = tempDir()
    const walletId = "01a21ed5-ee68-71f8-87d4-655200a8dfb4"
    const mcp = await connect({
      command: process.execPath,
      args: [MCP_MAIN],
      env: { WAIAAS_DATA_DIR: dataDir, WAIAAS_WALLET_ID: walletId, WAIAAS_WALLET_NAME: "Trading Bot", WAIAAS_BASE_URL: "http://127.0.0.1:9" }
    })
    try {
      expect(mcp.client.getServerVersion()?.name).toBe("waiaas-trading-bot")
      const result = await callTool(mcp, "get_wallet")
      expect(result.isError).toBe(true)
      expect(result.text).toBe(
        noTokenPrefix(walletId) +
          `there is no token file at ${path.join(dataDir, "mcp-tokens", walletId)}. ` +
          "This server picks up the new token by itself; no restart is needed."
      )
    } finally {
      await mcp.client.close()
    }
  }, 30_000)

  it("exits 1 with a clear message when required env is missing", async () => {
    const child = spawn(process.execPath, [MCP_MAIN], { env: { PATH: process.env.PATH ?? "" }, stdio: ["pipe", "pipe", "pipe"] })
    let stderr = ""
    let stdout = ""
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve))
    expect(code).toBe(1)
    expect(stdout).toBe("")
    expect(stderr).toContain("waiaas-mcp cannot start:")
    expect(stderr).toContain("WAIAAS_DATA_DIR is not set")
    expect(stderr).toContain("WAIAAS_WALLET_ID is not set")
  }, 30_000)
})
