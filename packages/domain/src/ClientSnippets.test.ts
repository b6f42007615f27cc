import { describe, expect, it } from "@effect/vitest"
import { FastCheck, Schema } from "effect"
import { execFileSync } from "node:child_process"
import { parse as parseToml } from "smol-toml"
import { parse as parseYaml } from "yaml"
import { type ClientSnippet, McpClientId } from "./ClientSnippet.js"
import { clientConfigEntry, clientLabel, clientSnippets } from "./ClientSnippets.js"
import type { McpLaunch } from "./McpSnippet.js"
import { serverNameCandidates } from "./Slug.js"
import { WalletName } from "./Wallet.js"

const walletId = "01936b2e-1c4d-7a00-8000-0123456789ab"

const launchOf = (overrides: Partial<Omit<McpLaunch, "env">> & { readonly env?: Partial<McpLaunch["env"]> }): McpLaunch => ({
  serverName: overrides.serverName ?? "waiaas-main",
  command: overrides.command ?? "/usr/bin/node",
  args: overrides.args ?? ["/opt/waiaas/packages/mcp/dist/main.js"],
  env: {
    WAIAAS_DATA_DIR: "/var/lib/waiaas",
    WAIAAS_BASE_URL: "http://127.0.0.1:3100",
    WAIAAS_WALLET_ID: walletId,
    WAIAAS_WALLET_NAME: "main",
    ...overrides.env
  }
})

const snippetOf = (client: McpClientId, launch: McpLaunch): ClientSnippet =>
  clientSnippets(launch).find((snippet) => snippet.client === client)!

/** The words a real POSIX sh passes to `claude` when it runs the snippet (a stub that prints its argv). */
const shellWords = (command: string): ReadonlyArray<string> => {
  const output = execFileSync("sh", ["-c", `claude() { printf '%s\\0' "$@"; }\n${command}`], { encoding: "utf8" })
  return ["claude", ...output.split("\0").slice(0, -1)]
}

/** Where each client expects the server (written down independently of the implementation's table). */
const expectedShape: { readonly [K in McpClientId]: { readonly container: string; readonly extra: object } } = {
  "claude-desktop": { container: "mcpServers", extra: {} },
  "claude-code": { container: "mcpServers", extra: { type: "stdio" } },
  cursor: { container: "mcpServers", extra: {} },
  vscode: { container: "servers", extra: { type: "stdio" } },
  windsurf: { container: "mcpServers", extra: {} },
  cline: { container: "mcpServers", extra: { disabled: false } },
  zed: { container: "context_servers", extra: { source: "custom" } },
  codex: { container: "mcp_servers", extra: { startup_timeout_sec: 30 } },
  gemini: { container: "mcpServers", extra: {} },
  continue: { container: "mcpServers", extra: { name: "", type: "stdio" } }
}

/** The parsed document of a snippet, with a real parser of its format. */
const parseSnippet = (snippet: ClientSnippet): Record<string, unknown> => {
  switch (snippet.format) {
    case "json":
      return JSON.parse(snippet.content)
    case "toml":
      return parseToml(snippet.content)
    case "yaml":
      return parseYaml(snippet.content)
    case "shell": {
      const words = shellWords(snippet.content)
      expect(words.slice(0, 5)).toEqual(["claude", "mcp", "add-json", "-s", "user"])
      expect(words).toHaveLength(7)
      return { mcpServers: { [words[5]!]: JSON.parse(words[6]!) } }
    }
  }
}

/** The one server entry in a parsed snippet; fails unless it is the only one, under the client's container. */
const serverEntryOf = (snippet: ClientSnippet, serverName: string): unknown => {
  const document = parseSnippet(snippet)
  const container = document[expectedShape[snippet.client].container]
  if (Array.isArray(container)) {
    expect(container).toHaveLength(1)
    expect(container[0].name).toBe(serverName)
    return container[0]
  }
  expect(Object.keys(container as object)).toEqual([serverName])
  return (container as Record<string, unknown>)[serverName]
}

const expectedEntry = (client: McpClientId, launch: McpLaunch): object => {
  const { extra } = expectedShape[client]
  const named = "name" in extra ? { ...extra, name: launch.serverName } : extra
  return { ...named, command: launch.command, args: launch.args, env: launch.env }
}

// --- arbitraries ----------------------------------------------------------------------------------------

/** Fragments that break naive quoting in one of the formats. */
const hostile = FastCheck.constantFrom(
  "'", "\"", "\\", "'\\''", "\\\"", "yes", "no", "null", "~", "1e3", "0o17", "#x", ": x", "- x", "[a]", "{b}",
  "*ref", "&anchor", "!!str", "%TAG", "$HOME", "$(id)", "`id`", "${{ secrets.X }}", "\u2028", "\u2029", "\uFEFF",
  "C:\\Users\\x", "🦊", "é", "지갑"
)

const walletNameArb = FastCheck.array(FastCheck.oneof(FastCheck.string({ unit: "grapheme", maxLength: 8 }), hostile), {
  maxLength: 8
})
  .map((parts) => parts.join("").trim())
  .filter(Schema.is(WalletName))

const segment = FastCheck.oneof(
  FastCheck.string({ unit: "grapheme", minLength: 1, maxLength: 10 }).filter((s) => /^[^\p{Cc}\p{Cs}/\\]+$/u.test(s)),
  FastCheck.constantFrom("Program Files", "John O'Neil", "x\"y", "data dir", "#x", ": x", "$HOME", "yes")
)

/** Absolute data dirs: POSIX, Windows (backslashes, spaces), or any well-formed string at all. */
const dataDirArb = FastCheck.oneof(
  FastCheck.array(segment, { maxLength: 5 }).map((segments) => `/${segments.join("/")}`),
  FastCheck.tuple(FastCheck.constantFrom("C", "D", "Z"), FastCheck.array(segment, { maxLength: 5 }))
    .map(([drive, segments]) => `${drive}:\\${segments.join("\\")}`),
  FastCheck.string({ unit: "binary", maxLength: 40 }).filter((s) => !/\p{Cs}/u.test(s))
)

const anyWellFormed = FastCheck.string({ unit: "binary", maxLength: 30 }).filter((s) => !/\p{Cs}/u.test(s))

const launchArb = FastCheck.record({
  walletName: walletNameArb,
  walletId: FastCheck.uuid(),
  candidate: FastCheck.integer({ min: 0, max: 2 }),
  dataDir: dataDirArb,
  command: FastCheck.oneof(FastCheck.constantFrom("/usr/bin/node", "C:\\Program Files\\nodejs\\node.exe", "npx"), anyWellFormed),
  args: FastCheck.array(FastCheck.oneof(dataDirArb, anyWellFormed), { maxLength: 4 })
}).map(({ args, candidate, command, dataDir, walletId, walletName }): McpLaunch => ({
  serverName: serverNameCandidates(walletName, walletId)[candidate]!,
  command,
  args,
  env: {
    WAIAAS_DATA_DIR: dataDir,
    WAIAAS_BASE_URL: "http://127.0.0.1:3100",
    WAIAAS_WALLET_ID: walletId,
    WAIAAS_WALLET_NAME: walletName
  }
}))

// --- properties -----------------------------------------------------------------------------------------

describe("clientSnippets", () => {
  it.prop("every snippet parses with a real parser of its format and carries exactly the launch", [launchArb], ([launch]) => {
    const snippets = clientSnippets(launch)
    expect(snippets.map((snippet) => snippet.client)).toEqual(McpClientId.literals)
    for (const snippet of snippets) {
      expect(serverEntryOf(snippet, launch.serverName)).toEqual(expectedEntry(snippet.client, launch))
      expect(snippet.content).not.toContain("wai_sess_")
    }
  })

  it.prop("clientConfigEntry is what the snippet holds, at its container path", [launchArb], ([launch]) => {
    for (const snippet of clientSnippets(launch)) {
      const entry = clientConfigEntry(snippet.client, launch)
      expect(entry.format).toBe(snippet.format)
      expect(entry.name).toBe(launch.serverName)
      const container = entry.containerPath.reduce<any>((node, key) => node[key], parseSnippet(snippet))
      expect(container).toEqual(
        entry.containerKind === "list" ? [{ name: entry.name, ...entry.value }] : { [entry.name]: entry.value }
      )
    }
  })

  // --- exact shapes -------------------------------------------------------------------------------------

  it("claude-desktop: mcpServers → name → command, args, env, pretty-printed", () => {
    expect(snippetOf("claude-desktop", launchOf({})).content).toBe(`{
  "mcpServers": {
    "waiaas-main": {
      "command": "/usr/bin/node",
      "args": [
        "/opt/waiaas/packages/mcp/dist/main.js"
      ],
      "env": {
        "WAIAAS_DATA_DIR": "/var/lib/waiaas",
        "WAIAAS_BASE_URL": "http://127.0.0.1:3100",
        "WAIAAS_WALLET_ID": "${walletId}",
        "WAIAAS_WALLET_NAME": "main"
      }
    }
  }
}`)
  })

  it("claude-code: one add-json command at user scope, the JSON single-quoted for sh", () => {
    const launch = launchOf({ env: { WAIAAS_WALLET_NAME: "Bob's $(id) wallet" } })
    const content = snippetOf("claude-code", launch).content
    expect(content).toMatch(/^claude mcp add-json -s user waiaas-main '/)
    expect(content).not.toContain(" -e ")
    expect(content).toBe(
      `claude mcp add-json -s user waiaas-main '{"type":"stdio","command":"/usr/bin/node",` +
        `"args":["/opt/waiaas/packages/mcp/dist/main.js"],"env":{"WAIAAS_DATA_DIR":"/var/lib/waiaas",` +
        `"WAIAAS_BASE_URL":"http://127.0.0.1:3100","WAIAAS_WALLET_ID":"${walletId}",` +
        `"WAIAAS_WALLET_NAME":"Bob'\\''s $(id) wallet"}}'`
    )
    expect(JSON.parse(shellWords(content)[6]!).env.WAIAAS_WALLET_NAME).toBe("Bob's $(id) wallet")
  })

  it("vscode: servers → name → type stdio first", () => {
    const launch = launchOf({})
    const parsed = JSON.parse(snippetOf("vscode", launch).content)
    expect(parsed).toEqual({
      servers: { "waiaas-main": { type: "stdio", command: launch.command, args: launch.args, env: launch.env } }
    })
    expect(Object.keys(parsed.servers["waiaas-main"])[0]).toBe("type")
  })

  it("zed: context_servers → name → source custom", () => {
    const launch = launchOf({})
    expect(JSON.parse(snippetOf("zed", launch).content)).toEqual({
      context_servers: {
        "waiaas-main": { source: "custom", command: launch.command, args: launch.args, env: launch.env }
      }
    })
  })

  it("codex: a [mcp_servers.<name>] table with startup_timeout_sec = 30 and an env sub-table; Windows paths round-trip", () => {
    const launch = launchOf({
      command: "C:\\Program Files\\nodejs\\node.exe",
      args: ["C:\\Users\\x\\mcp\\main.js"],
      env: { WAIAAS_DATA_DIR: "C:\\Users\\x" }
    })
    const content = snippetOf("codex", launch).content
    expect(content).toBe(`[mcp_servers.waiaas-main]
command = "C:\\\\Program Files\\\\nodejs\\\\node.exe"
args = ["C:\\\\Users\\\\x\\\\mcp\\\\main.js"]
startup_timeout_sec = 30

[mcp_servers.waiaas-main.env]
WAIAAS_DATA_DIR = "C:\\\\Users\\\\x"
WAIAAS_BASE_URL = "http://127.0.0.1:3100"
WAIAAS_WALLET_ID = "${walletId}"
WAIAAS_WALLET_NAME = "main"
`)
    const parsed = parseToml(content) as any
    expect(parsed.mcp_servers["waiaas-main"].env.WAIAAS_DATA_DIR).toBe("C:\\Users\\x")
    expect(parsed.mcp_servers["waiaas-main"].startup_timeout_sec).toBe(30)
  })

  it("codex: escapes every control character TOML forbids raw", () => {
    const dir = "/a\u0000b\u0001\u0008\t\n\u000B\f\r\u001F\u007F\u0085\u2028\"\\z"
    const content = snippetOf("codex", launchOf({ env: { WAIAAS_DATA_DIR: dir } })).content
    expect(content).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u007F]/)
    expect(content.split("\n")).toHaveLength(snippetOf("codex", launchOf({})).content.split("\n").length)
    expect((parseToml(content) as any).mcp_servers["waiaas-main"].env.WAIAAS_DATA_DIR).toBe(dir)
  })

  it("codex: a lone surrogate, which TOML cannot encode, becomes U+FFFD instead of breaking the file", () => {
    const content = snippetOf("codex", launchOf({ env: { WAIAAS_DATA_DIR: "/a\uD800b" } })).content
    expect((parseToml(content) as any).mcp_servers["waiaas-main"].env.WAIAAS_DATA_DIR).toBe("/a\uFFFDb")
  })

  it("continue: a block file whose mcpServers is a list, every scalar double-quoted", () => {
    const launch = launchOf({ args: [], env: { WAIAAS_WALLET_NAME: "yes" } })
    const content = snippetOf("continue", launch).content
    expect(content).toBe(`name: "WAIaaS yes"
version: "0.0.1"
schema: "v1"
mcpServers:
  - name: "waiaas-main"
    type: "stdio"
    command: "/usr/bin/node"
    args: []
    env:
      WAIAAS_DATA_DIR: "/var/lib/waiaas"
      WAIAAS_BASE_URL: "http://127.0.0.1:3100"
      WAIAAS_WALLET_ID: "${walletId}"
      WAIAAS_WALLET_NAME: "yes"
`)
    expect(parseYaml(content)).toEqual({
      name: "WAIaaS yes",
      version: "0.0.1",
      schema: "v1",
      mcpServers: [{ name: "waiaas-main", type: "stdio", command: "/usr/bin/node", args: [], env: launch.env }]
    })
  })

  it("continue: YAML-ambiguous values and YAML 1.1 line breaks keep their meaning", () => {
    const args = ["null", "1e3", "#x", ": x", "- y", "~", "0o17", "*a", "x\u0085y\u2028z\u2029", "\uFEFF"]
    const content = snippetOf("continue", launchOf({ args })).content
    expect(content).not.toMatch(/[\u0085\u2028\u2029\uFEFF]/)
    expect((parseYaml(content) as any).mcpServers[0].args).toEqual(args)
  })

  it("a server name that is not a bare key is quoted in TOML and for sh", () => {
    const launch = launchOf({ serverName: "my server.\"x'" })
    for (const client of ["codex", "claude-code"] as const) {
      expect(serverEntryOf(snippetOf(client, launch), launch.serverName)).toEqual(expectedEntry(client, launch))
    }
  })

  // --- the rest of the contract -------------------------------------------------------------------------

  it("names every client, with a config path for each OS and a one-sentence instruction", () => {
    for (const snippet of clientSnippets(launchOf({}))) {
      expect(snippet.label).toBe(clientLabel(snippet.client))
      expect(snippet.label).not.toBe("")
      expect(Object.keys(snippet.configPaths).sort()).toEqual(["linux", "macos", "windows"])
      expect(snippet.instructions).toMatch(/^[A-Z][^\n]*\.$/)
      expect(snippet.instructions).not.toMatch(/\.\s/)
    }
    expect(snippetOf("continue", launchOf({})).configPaths.linux).toBe("~/.continue/mcpServers/waiaas-main.yaml")
    expect(snippetOf("claude-desktop", launchOf({})).configPaths).toEqual({
      macos: "~/Library/Application Support/Claude/claude_desktop_config.json",
      windows: "%APPDATA%\\Claude\\claude_desktop_config.json",
      linux: "~/.config/Claude/claude_desktop_config.json"
    })
  })

  it("clientConfigEntry names the container each client reads", () => {
    const launch = launchOf({})
    expect(McpClientId.literals.map((client) => clientConfigEntry(client, launch).containerPath)).toEqual(
      McpClientId.literals.map((client) => [expectedShape[client].container])
    )
    expect(clientConfigEntry("continue", launch).containerKind).toBe("list")
    expect(clientConfigEntry("claude-desktop", launch).containerKind).toBe("object")
  })

  it("clientConfigEntry hands out copies: merging code cannot alter the launch", () => {
    const launch = launchOf({})
    const value = clientConfigEntry("cursor", launch).value as { args: Array<string>; env: Record<string, string> }
    value.args.push("--evil")
    value.env["WAIAAS_DATA_DIR"] = "/tmp"
    expect(launch.args).toEqual(["/opt/waiaas/packages/mcp/dist/main.js"])
    expect(launch.env.WAIAAS_DATA_DIR).toBe("/var/lib/waiaas")
  })
})
