import { describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { BIN, freePort, spawnDaemon, stopDaemon } from "../testing/DaemonProcess.js"
import { tempDirsRemovedAfterAll } from "../testing/TempDirs.js"

// The built CLI (packages/server/dist/bin.js) as a user runs it: a real daemon process, a temp HOME.

const PASSWORD = "correct horse battery staple"
const tempDir = tempDirsRemovedAfterAll("waiaas-proc-")

interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** `waiaas <args>` with exactly `env` (plus PATH), stdin not a terminal. */
const waiaas = (args: ReadonlyArray<string>, env: Record<string, string>): Promise<CliRun> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => stdout += chunk.toString("utf8"))
    child.stderr.on("data", (chunk: Buffer) => stderr += chunk.toString("utf8"))
    child.once("close", (code) => resolve({ code, stdout, stderr }))
  })

const createWallet = async (baseUrl: string, name: string) => {
  const response = await fetch(`${baseUrl}/v1/wallets`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-master-password": PASSWORD },
    body: JSON.stringify({ name })
  })
  expect(response.status).toBe(201)
  return await response.json() as { id: string }
}

describe("the waiaas CLI (built, as a process)", () => {
  it("mcp setup --install merges into Claude Desktop's config; status shows the wallet and token", async () => {
    const dataDir = tempDir()
    const daemon = await spawnDaemon({ dataDir, password: PASSWORD })
    try {
      const wallet = await createWallet(daemon.baseUrl, "Main Wallet")
      const home = tempDir()
      const config = path.join(home, ".config", "Claude", "claude_desktop_config.json")
      fs.mkdirSync(path.dirname(config), { recursive: true })
      const old = JSON.stringify({ mcpServers: { github: { command: "docker" } }, globalShortcut: "Alt+Space" }, null, 2)
      fs.writeFileSync(config, old)
      // No WAIAAS_BASE_URL: the CLI finds the daemon through the data dir's config (port from the env overlay).
      const env = { HOME: home, WAIAAS_DATA_DIR: dataDir, WAIAAS_DAEMON_PORT: String(daemon.port), WAIAAS_MASTER_PASSWORD: PASSWORD }

      const setup = await waiaas(["mcp", "setup", "--install", "--client", "claude-desktop"], env)
      expect(setup.stderr).toMatch(
        new RegExp(`^MCP token for wallet "Main Wallet" \\(${wallet.id}\\) written to ${dataDir}/mcp-tokens/${wallet.id}; expires \\S+Z \\(in 1d\\)\\.\\n$`)
      )
      expect(setup.code).toBe(0)
      const backups = fs.readdirSync(path.dirname(config)).filter((name) => name.includes(".bak-"))
      expect(backups).toHaveLength(1)
      expect(setup.stdout).toBe([
        `Installed for Claude Desktop into ${config}:`,
        "  added     waiaas-main-wallet",
        "  kept      github",
        `  backup    ${path.join(path.dirname(config), backups[0]!)}`,
        "Restart Claude Desktop, or reload its MCP servers, to start it.",
        ""
      ].join("\n"))
      expect(fs.readFileSync(path.join(path.dirname(config), backups[0]!), "utf8")).toBe(old)
      const installed = JSON.parse(fs.readFileSync(config, "utf8"))
      expect(installed.globalShortcut).toBe("Alt+Space")
      expect(Object.keys(installed.mcpServers)).toEqual(["github", "waiaas-main-wallet"])
      expect(installed.mcpServers["waiaas-main-wallet"].env).toMatchObject({ WAIAAS_WALLET_ID: wallet.id, WAIAAS_DATA_DIR: dataDir })
      expect(fs.readFileSync(path.join(dataDir, "mcp-tokens", wallet.id), "utf8")).toMatch(/^wai_sess_/)

      const status = await waiaas(["status"], env)
      expect(status.code).toBe(0)
      expect(status.stderr).toBe("")
      const lines = status.stdout.split("\n")
      expect(lines[0]).toMatch(new RegExp(`^WAIaaS daemon \\S+ is running at http://127\\.0\\.0\\.1:${daemon.port} \\(up .+\\)\\.$`))
      expect(lines.slice(1, 5)).toEqual([`Data dir: ${dataDir}`, "Wallets: 1", `  Main Wallet  ${wallet.id}  solana/devnet`, "MCP tokens: 1"])
      expect(lines[5]).toMatch(/^ {2}waiaas-main-wallet {2}"Main Wallet" {2}expires \S+Z \(in 1d\)$/)

      for (const run of [setup, status]) expect(run.stdout + run.stderr).not.toContain(PASSWORD)
    } finally {
      await stopDaemon(daemon)
    }
  })

  it("errors are one line on stderr with exit code 1: wrong password, several wallets, no daemon", async () => {
    const dataDir = tempDir()
    const daemon = await spawnDaemon({ dataDir, password: PASSWORD })
    try {
      const env = { HOME: tempDir(), WAIAAS_BASE_URL: daemon.baseUrl }
      const wrong = await waiaas(["mcp", "setup"], { ...env, WAIAAS_MASTER_PASSWORD: "wrong password" })
      expect(wrong).toEqual({
        code: 1,
        stdout: "",
        stderr: "waiaas: Invalid master password — Send the daemon's master password in the X-Master-Password header.\n"
      })
      const a = await createWallet(daemon.baseUrl, "alpha")
      const b = await createWallet(daemon.baseUrl, "beta")
      const several = await waiaas(["mcp", "setup"], { ...env, WAIAAS_MASTER_PASSWORD: PASSWORD })
      expect(several).toEqual({
        code: 1,
        stdout: "",
        stderr: "waiaas: There are 2 active wallets — choose one with --wallet <id|name>, or use --all:\n" +
          `  alpha  ${a.id}  solana/devnet\n  beta   ${b.id}  solana/devnet\n`
      })
      const noPassword = await waiaas(["mcp", "setup", "--wallet", "alpha"], env)
      expect(noPassword.code).toBe(1)
      expect(noPassword.stderr).toBe(
        "waiaas: No master password: set WAIAAS_MASTER_PASSWORD or WAIAAS_MASTER_PASSWORD_FILE, or start in a terminal\n"
      )
    } finally {
      await stopDaemon(daemon)
    }
    const port = await freePort()
    const down = await waiaas(["status"], { HOME: tempDir(), WAIAAS_DATA_DIR: tempDir(), WAIAAS_DAEMON_PORT: String(port) })
    expect(down).toEqual({
      code: 1,
      stdout: "",
      stderr: `waiaas: WAIaaS daemon is not reachable at http://127.0.0.1:${port} — start it with \`npm start\`\n`
    })
  })

  it("--help works on every command", async () => {
    for (const args of [["--help"], ["start", "--help"], ["status", "--help"], ["mcp", "--help"], ["mcp", "setup", "--help"]]) {
      const run = await waiaas(args, { HOME: tempDir() })
      expect(run.code).toBe(0)
      expect(run.stdout).toContain("USAGE")
    }
    const setupHelp = await waiaas(["mcp", "setup", "--help"], { HOME: tempDir() })
    for (const option of ["--wallet", "--all", "--expires-in", "--client", "--install"]) expect(setupHelp.stdout).toContain(option)
  })
})
