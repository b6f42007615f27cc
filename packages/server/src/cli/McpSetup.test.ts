import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { afterAll, describe, expect, it } from "@effect/vitest"
import type { McpClientId } from "@waiaas/domain"
import { Cause, Effect, Exit, Option } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { parse as parseToml } from "smol-toml"
import { TEST_PASSWORD, TestDaemon, TestDaemonLive } from "../testing/TestDaemon.js"
import { jsoncToJson } from "./Jsonc.js"
import { mcpSetup, type McpSetupOptions } from "./McpSetup.js"
import { captureConsole } from "./testing/CapturedConsole.js"

const dirs: Array<string> = []
const tempHome = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "waiaas-home-"))
  dirs.push(dir)
  return dir
}
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })))

type Daemon = typeof TestDaemon.Service

/** A fresh daemon (real HTTP on a random port, SQLite stack in a temp data dir) for each test: wallet counts matter here. */
const withDaemon = <A, E>(body: (daemon: Daemon) => Effect.Effect<A, E, never>) =>
  Effect.flatMap(TestDaemon, body).pipe(Effect.provide(TestDaemonLive({ stack: "sqlite" })))

const createWallet = (daemon: Daemon, name: string) =>
  Effect.map(daemon.admin({ method: "POST", path: "/v1/wallets", body: { name } }), (r) => {
    expect(r.status).toBe(201)
    return r.json as { id: string; name: string }
  })

const renameWallet = (daemon: Daemon, id: string, name: string) =>
  daemon.admin({ method: "PUT", path: `/v1/wallets/${id}`, body: { name } })

const setup = (daemon: Daemon, options: Partial<McpSetupOptions> & { readonly home?: string; readonly password?: string }) =>
  captureConsole(
    mcpSetup({
      env: {
        WAIAAS_BASE_URL: `http://127.0.0.1:${daemon.port}`,
        WAIAAS_MASTER_PASSWORD: options.password ?? TEST_PASSWORD,
        HOME: options.home ?? tempHome()
      },
      wallet: Option.none(),
      all: false,
      expiresIn: Option.none(),
      client: "claude-desktop",
      install: false,
      platform: "linux",
      ...options
    }).pipe(Effect.provide([NodeHttpClient.layerUndici, NodeContext.layer]))
  )

/** The one-line message the CLI prints for a failure. */
const failureMessage = (exit: Exit.Exit<unknown, { readonly message: string }>) =>
  Exit.isFailure(exit) ? Option.getOrThrow(Cause.failureOption(exit.cause)).message : "(succeeded)"

describe("waiaas mcp setup (against a real daemon)", () => {
  it.live("with one wallet, picks it and prints the Claude Desktop snippet; the token file exists", () =>
    withDaemon((daemon) =>
      Effect.gen(function*() {
        const wallet = yield* createWallet(daemon, "Main Wallet")
        const run = yield* setup(daemon, {})
        expect(run.exit).toEqual(Exit.void)
        const snippet = JSON.parse(run.out())
        expect(snippet.mcpServers["waiaas-main-wallet"].env).toMatchObject({
          WAIAAS_WALLET_ID: wallet.id,
          WAIAAS_WALLET_NAME: "Main Wallet",
          WAIAAS_DATA_DIR: daemon.dataDir
        })
        const tokenPath = path.join(daemon.dataDir, "mcp-tokens", wallet.id)
        expect(fs.readFileSync(tokenPath, "utf8")).toMatch(/^wai_sess_/)
        expect(run.err()).toContain(`MCP token for wallet "Main Wallet" (${wallet.id}) written to ${tokenPath}; expires `)
        expect(run.err()).toContain("Claude Desktop: Merge into the mcpServers object")
        expect(run.err()).toMatch(/Config file: .*\/\.config\/Claude\/claude_desktop_config\.json/)
        expect(run.out() + run.err()).not.toContain(TEST_PASSWORD)
      })))

  it.live("with several wallets and no --wallet, lists them and provisions nothing", () =>
    withDaemon((daemon) =>
      Effect.gen(function*() {
        const a = yield* createWallet(daemon, "alpha")
        const b = yield* createWallet(daemon, "beta")
        const run = yield* setup(daemon, {})
        expect(failureMessage(run.exit)).toBe(
          `There are 2 active wallets — choose one with --wallet <id|name>, or use --all:\n` +
            `  alpha  ${a.id}  solana/devnet\n  beta   ${b.id}  solana/devnet`
        )
        expect(fs.existsSync(path.join(daemon.dataDir, "mcp-tokens", a.id))).toBe(false)
      })))

  it.live("with no wallet, says how to create one", () =>
    withDaemon((daemon) =>
      Effect.gen(function*() {
        const run = yield* setup(daemon, {})
        expect(failureMessage(run.exit)).toMatch(/^There are no wallets yet\.\nCreate one in the Admin UI \(http:\/\/127\.0\.0\.1:\d+\/admin\)/)
      })))

  it.live("--wallet picks by name (any case); an unknown id gets the daemon's message and hint", () =>
    withDaemon((daemon) =>
      Effect.gen(function*() {
        yield* createWallet(daemon, "alpha")
        const beta = yield* createWallet(daemon, "Beta")
        const byName = yield* setup(daemon, { wallet: Option.some("BETA") })
        expect(byName.exit).toEqual(Exit.void)
        expect(JSON.parse(byName.out()).mcpServers["waiaas-beta"].env.WAIAAS_WALLET_ID).toBe(beta.id)
        const unknown = yield* setup(daemon, { wallet: Option.some("01936b2e-1c4d-7a00-8000-0123456789ab") })
        expect(failureMessage(unknown.exit)).toMatch(/^Wallet .*not found — Verify the wallet ID\. List wallets via GET \/v1\/wallets\.$/)
      })))

  it.live("--all provisions every active wallet and prints one combined snippet", () =>
    withDaemon((daemon) =>
      Effect.gen(function*() {
        yield* createWallet(daemon, "alpha")
        yield* createWallet(daemon, "beta")
        const json = yield* setup(daemon, { all: true })
        expect(Object.keys(JSON.parse(json.out()).mcpServers)).toEqual(["waiaas-alpha", "waiaas-beta"])
        const toml = yield* setup(daemon, { all: true, client: "codex" })
        expect(Object.keys(parseToml(toml.out()).mcp_servers as object)).toEqual(["waiaas-alpha", "waiaas-beta"])
      })))

  it.live("--expires-in is sent to the daemon, and checked first", () =>
    withDaemon((daemon) =>
      Effect.gen(function*() {
        yield* createWallet(daemon, "alpha")
        const run = yield* setup(daemon, { expiresIn: Option.some(600) })
        const expires = /expires (\S+Z) \(in (\S+)\)/.exec(run.err())
        expect(Math.abs(Date.parse(expires![1]!) - Date.now() - 600_000)).toBeLessThan(5_000)
        const tooShort = yield* setup(daemon, { expiresIn: Option.some(5) })
        expect(failureMessage(tooShort.exit)).toBe(
          "--expires-in must be a whole number of seconds from 300 (5 minutes) to 604800 (7 days), got 5"
        )
      })))

  it.live("a wrong master password is one line with the daemon's message and hint, and never echoed", () =>
    withDaemon((daemon) =>
      Effect.gen(function*() {
        yield* createWallet(daemon, "alpha")
        const run = yield* setup(daemon, { password: "not the password" })
        expect(failureMessage(run.exit)).toMatch(/^Invalid master password — /)
        expect(failureMessage(run.exit)).not.toContain("not the password")
      })))

  it.live("--client claude-code --install prints the add-json command and writes nothing", () =>
    withDaemon((daemon) =>
      Effect.gen(function*() {
        yield* createWallet(daemon, "alpha")
        const home = tempHome()
        const run = yield* setup(daemon, { client: "claude-code", install: true, home })
        expect(run.exit).toEqual(Exit.void)
        expect(run.out()).toContain("claude mcp add-json -s user waiaas-alpha '{")
        expect(fs.readdirSync(home)).toEqual([])
      })))

  it.live("no daemon: one clear line", () =>
    Effect.gen(function*() {
      const run = yield* captureConsole(
        mcpSetup({
          env: { WAIAAS_BASE_URL: "http://127.0.0.1:9", WAIAAS_MASTER_PASSWORD: TEST_PASSWORD },
          wallet: Option.none(),
          all: false,
          expiresIn: Option.none(),
          client: "claude-desktop",
          install: false
        }).pipe(Effect.provide([NodeHttpClient.layerUndici, NodeContext.layer]))
      )
      expect(failureMessage(run.exit)).toBe("WAIaaS daemon is not reachable at http://127.0.0.1:9 — start it with `npm start`")
    }))
})

// --- --install into existing config files ------------------------------------------------------------

interface InstallCase {
  readonly client: McpClientId
  readonly label: string
  /** Under HOME, on Linux. */
  readonly file: string
  readonly old: string
  readonly parse: (text: string) => any
  readonly container: string
  readonly otherKeys: Record<string, unknown>
}

const cases: ReadonlyArray<InstallCase> = [
  {
    client: "claude-desktop",
    label: "Claude Desktop",
    file: ".config/Claude/claude_desktop_config.json",
    old: JSON.stringify({ globalShortcut: "Alt+Space", mcpServers: { github: { command: "docker", args: ["run"] } } }, null, 2),
    parse: JSON.parse,
    container: "mcpServers",
    otherKeys: { globalShortcut: "Alt+Space" }
  },
  {
    client: "vscode",
    label: "VS Code (Copilot)",
    file: ".config/Code/User/mcp.json",
    old: JSON.stringify({ inputs: [{ type: "promptString", id: "pat", password: true }], servers: { github: { type: "stdio", command: "gh" } } }),
    parse: JSON.parse,
    container: "servers",
    otherKeys: { inputs: [{ type: "promptString", id: "pat", password: true }] }
  },
  {
    client: "zed",
    label: "Zed",
    file: ".config/zed/settings.json",
    old: "// Zed settings\n{\n  \"theme\": \"One Dark\", // mine\n  \"context_servers\": {\n    \"github\": { \"source\": \"custom\", \"command\": \"gh\", },\n  },\n}\n",
    parse: (text) => JSON.parse(jsoncToJson(text).text),
    container: "context_servers",
    otherKeys: { theme: "One Dark" }
  },
  {
    client: "codex",
    label: "OpenAI Codex CLI",
    file: ".codex/config.toml",
    old: "# my Codex config\nmodel = \"o3\"\n\n[mcp_servers.github]\ncommand = \"docker\"\nargs = [\"run\"]\n\n[profiles.fast]\nmodel = \"o4-mini\"\n",
    parse: parseToml,
    container: "mcp_servers",
    otherKeys: { model: "o3", profiles: { fast: { model: "o4-mini" } } }
  }
]

describe.each(cases)("waiaas mcp setup --install --client $client", (c) => {
  it.live("merges into the existing file: others survive, backup = old file, result parses; re-install replaces", () =>
    withDaemon((daemon) =>
      Effect.gen(function*() {
        const wallet = yield* createWallet(daemon, "Main Wallet")
        const home = tempHome()
        const file = path.join(home, c.file)
        fs.mkdirSync(path.dirname(file), { recursive: true })
        fs.writeFileSync(file, c.old)

        const first = yield* setup(daemon, { client: c.client, install: true, home })
        expect(first.exit).toEqual(Exit.void)
        const backups = fs.readdirSync(path.dirname(file)).filter((name) => name.startsWith(`${path.basename(file)}.bak-`))
        expect(backups).toHaveLength(1)
        const backup = path.join(path.dirname(file), backups[0]!)
        expect(fs.readFileSync(backup, "utf8")).toBe(c.old)
        expect(first.stdout).toEqual([
          `Installed for ${c.label} into ${file}:`,
          "  added     waiaas-main-wallet",
          "  kept      github",
          `  backup    ${backup}`,
          ...(c.client === "zed" ? ["  note      the old file's comments (and formatting) could not be kept; the backup has them"] : []),
          `Restart ${c.label}, or reload its MCP servers, to start it.`
        ])
        const installed = c.parse(fs.readFileSync(file, "utf8"))
        expect(installed).toMatchObject(c.otherKeys)
        expect(Object.keys(installed[c.container])).toEqual(["github", "waiaas-main-wallet"])
        expect(installed[c.container]["waiaas-main-wallet"].env.WAIAAS_WALLET_ID).toBe(wallet.id)
        if (c.client === "codex") expect(fs.readFileSync(file, "utf8").startsWith(c.old)).toBe(true)

        // Renamed: the server keeps its name (fixed at first provisioning), its entry is replaced, not doubled.
        yield* renameWallet(daemon, wallet.id, "Renamed")
        const second = yield* setup(daemon, { client: c.client, install: true, home })
        expect(second.exit).toEqual(Exit.void)
        expect(second.stdout[1]).toBe("  replaced  waiaas-main-wallet")
        const reinstalled = c.parse(fs.readFileSync(file, "utf8"))
        expect(Object.keys(reinstalled[c.container])).toEqual(["github", "waiaas-main-wallet"])
        expect(reinstalled[c.container]["waiaas-main-wallet"].env.WAIAAS_WALLET_NAME).toBe("Renamed")
        expect(reinstalled).toMatchObject(c.otherKeys)

        const third = yield* setup(daemon, { client: c.client, install: true, home })
        expect(third.stdout).toEqual([
          `Already installed for ${c.label} in ${file}: waiaas-main-wallet is up to date; nothing was written.`
        ])
      })))
})

describe("waiaas mcp setup --install, refused", () => {
  it.live("leaves an invalid JSON file untouched and provisions nothing", () =>
    withDaemon((daemon) =>
      Effect.gen(function*() {
        const wallet = yield* createWallet(daemon, "alpha")
        const home = tempHome()
        const file = path.join(home, ".config/Claude/claude_desktop_config.json")
        fs.mkdirSync(path.dirname(file), { recursive: true })
        const broken = "{\n  \"mcpServers\": {\n    \"github\": { \"command\": \"docker\" }\n  }\n  \"oops\": 1\n}\n"
        fs.writeFileSync(file, broken)
        const run = yield* setup(daemon, { install: true, home })
        expect(failureMessage(run.exit)).toBe(
          `${file} is not valid JSON (line 5, column 3: Expected ',' or '}' after property value); ` +
            "nothing was changed. Fix the file (or move it aside) and run this again."
        )
        expect(fs.readFileSync(file, "utf8")).toBe(broken)
        expect(fs.readdirSync(path.dirname(file))).toEqual(["claude_desktop_config.json"])
        expect(fs.existsSync(path.join(daemon.dataDir, "mcp-tokens", wallet.id))).toBe(false)
      })))

  it.live("creates the file (0600) when the client has none yet", () =>
    withDaemon((daemon) =>
      Effect.gen(function*() {
        yield* createWallet(daemon, "alpha")
        const home = tempHome()
        const run = yield* setup(daemon, { install: true, home })
        const file = path.join(home, ".config/Claude/claude_desktop_config.json")
        expect(run.stdout).toContain("  backup    none (the file is new)")
        expect(fs.statSync(file).mode & 0o777).toBe(0o600)
        expect(Object.keys(JSON.parse(fs.readFileSync(file, "utf8")).mcpServers)).toEqual(["waiaas-alpha"])
      })))
})
