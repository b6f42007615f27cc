import { type ClientSnippet, type ConfigPaths, McpClientId, type SnippetFormat } from "./ClientSnippet.js"
import type { McpLaunch } from "./McpSnippet.js"

// Paste-ready config for every MCP client, rendered from one description table. Formats and paths follow
// shared/reference/mcp-clients.md §1. Pure and free of Node APIs: the domain is also bundled for a browser.

/** What the config formats can hold: enough for a server entry, small enough to encode by hand. */
type ConfigValue = string | number | boolean | ReadonlyArray<ConfigValue> | ConfigRecord
interface ConfigRecord {
  readonly [key: string]: ConfigValue
}

/**
 * One server entry, structured so the CLI can merge it into an existing config file: `value` goes under
 * `containerPath`, keyed by `name` (an object), or as a list item carrying `name` (Continue's YAML list).
 */
export interface ClientConfigEntry {
  readonly format: SnippetFormat
  readonly containerPath: ReadonlyArray<string>
  readonly containerKind: "object" | "list"
  readonly name: string
  readonly value: Record<string, unknown>
}

interface ClientDescription {
  readonly label: string
  readonly format: SnippetFormat
  readonly containerPath: ReadonlyArray<string>
  readonly containerKind?: "list"
  readonly configPaths: (serverName: string) => ConfigPaths
  readonly instructions: string
  /** Fields before `command` (discriminators such as `type`), and after `env` (options). */
  readonly leadingFields?: ConfigRecord
  readonly trailingFields?: ConfigRecord
}

const everywhere = (path: string): ConfigPaths => ({ macos: path, windows: path, linux: path })

/** Under the user's home on macOS and Linux; under %USERPROFILE% on Windows. */
const homeDotDir = (relative: string): ConfigPaths => ({
  macos: `~/${relative}`,
  windows: `%USERPROFILE%\\${relative.replace(/\//g, "\\")}`,
  linux: `~/${relative}`
})

/** VS Code's user directory; Cline keeps its settings in the extension's global storage beneath it. */
const codeUser = (relative: string): ConfigPaths => ({
  macos: `~/Library/Application Support/Code/User/${relative}`,
  windows: `%APPDATA%\\Code\\User\\${relative.replace(/\//g, "\\")}`,
  linux: `~/.config/Code/User/${relative}`
})

const clients: { readonly [K in McpClientId]: ClientDescription } = {
  "claude-desktop": {
    label: "Claude Desktop",
    format: "json",
    containerPath: ["mcpServers"],
    configPaths: () => ({
      macos: "~/Library/Application Support/Claude/claude_desktop_config.json",
      windows: "%APPDATA%\\Claude\\claude_desktop_config.json",
      linux: "~/.config/Claude/claude_desktop_config.json"
    }),
    instructions: "Merge into the mcpServers object of claude_desktop_config.json, then restart Claude Desktop."
  },
  "claude-code": {
    label: "Claude Code",
    format: "shell",
    containerPath: ["mcpServers"],
    // Informational: the command writes the user-scope entry itself.
    configPaths: () => everywhere("~/.claude.json"),
    instructions: "Run this command in a terminal to add the server to Claude Code for all your projects.",
    leadingFields: { type: "stdio" }
  },
  cursor: {
    label: "Cursor",
    format: "json",
    containerPath: ["mcpServers"],
    configPaths: () => homeDotDir(".cursor/mcp.json"),
    instructions: "Merge into the mcpServers object of ~/.cursor/mcp.json, then restart Cursor."
  },
  vscode: {
    label: "VS Code (Copilot)",
    format: "json",
    containerPath: ["servers"],
    configPaths: () => codeUser("mcp.json"),
    instructions:
      "Merge into the servers object of your user mcp.json (command \"MCP: Open User Configuration\"), then start the server from the MCP view.",
    leadingFields: { type: "stdio" }
  },
  windsurf: {
    label: "Windsurf",
    format: "json",
    containerPath: ["mcpServers"],
    configPaths: () => homeDotDir(".codeium/windsurf/mcp_config.json"),
    instructions: "Merge into the mcpServers object of mcp_config.json, then refresh the MCP servers in Windsurf."
  },
  cline: {
    label: "Cline",
    format: "json",
    containerPath: ["mcpServers"],
    configPaths: () => codeUser("globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json"),
    instructions: "Merge into the mcpServers object of cline_mcp_settings.json (Cline's \"Configure MCP Servers\"); Cline reloads it on save.",
    trailingFields: { disabled: false }
  },
  zed: {
    label: "Zed",
    format: "json",
    containerPath: ["context_servers"],
    configPaths: () => ({
      macos: "~/.config/zed/settings.json",
      windows: "%APPDATA%\\Zed\\settings.json",
      linux: "~/.config/zed/settings.json"
    }),
    instructions: "Merge into the context_servers object of Zed's settings.json; Zed starts the server on save.",
    leadingFields: { source: "custom" }
  },
  codex: {
    label: "OpenAI Codex CLI",
    format: "toml",
    containerPath: ["mcp_servers"],
    configPaths: () => homeDotDir(".codex/config.toml"),
    instructions: "Append to ~/.codex/config.toml (replacing any tables of the same name), then restart Codex.",
    // Codex gives up on a server after 10 s by default; a first `npx` download can take longer.
    trailingFields: { startup_timeout_sec: 30 }
  },
  gemini: {
    label: "Gemini CLI",
    format: "json",
    containerPath: ["mcpServers"],
    configPaths: () => homeDotDir(".gemini/settings.json"),
    instructions: "Merge into the mcpServers object of ~/.gemini/settings.json, then restart Gemini CLI."
  },
  continue: {
    label: "Continue",
    format: "yaml",
    containerPath: ["mcpServers"],
    containerKind: "list",
    configPaths: (serverName) => everywhere(`~/.continue/mcpServers/${serverName}.yaml`),
    instructions: "Save as its own file in ~/.continue/mcpServers/, then reload Continue (MCP tools work in agent mode).",
    leadingFields: { type: "stdio" }
  }
}

export const clientLabel = (client: McpClientId): string => clients[client].label

interface Entry extends ClientConfigEntry {
  readonly value: ConfigRecord
}

const entryOf = (client: McpClientId, launch: McpLaunch): Entry => {
  const description = clients[client]
  return {
    format: description.format,
    containerPath: [...description.containerPath],
    containerKind: description.containerKind ?? "object",
    name: launch.serverName,
    // Fresh copies: a caller merging the value into a config must not be able to alter the launch.
    value: {
      ...description.leadingFields,
      command: launch.command,
      args: [...launch.args],
      env: { ...launch.env },
      ...description.trailingFields
    }
  }
}

/** The structured entry for one client: what `clientSnippets` renders, for the CLI to merge into a file. */
export const clientConfigEntry = (client: McpClientId, launch: McpLaunch): ClientConfigEntry => entryOf(client, launch)

// --- encoders -------------------------------------------------------------------------------------------

const isRecord = (value: ConfigValue): value is ConfigRecord => typeof value === "object" && !Array.isArray(value)

/** The entry as a list item or nested under its container path, e.g. `{ mcpServers: { <name>: value } }`. */
const nestUnderContainer = (entry: Entry): ConfigRecord => {
  const leaf: ConfigValue = entry.containerKind === "list"
    ? [{ name: entry.name, ...entry.value }]
    : { [entry.name]: entry.value }
  // Every client has a non-empty container path, so the result is a record.
  return entry.containerPath.reduceRight<ConfigValue>((inner, key) => ({ [key]: inner }), leaf) as ConfigRecord
}

/** POSIX sh: safe words stay bare; anything else is single-quoted, with `'` written as `'\''`. */
const shellWord = (word: string): string =>
  /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`

// TOML is UTF-8 and its \u escapes must be scalar values, so a lone surrogate has no encoding; writing the
// file would turn it into U+FFFD anyway. (Wallet names cannot contain one.)
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

const tomlEscapes: Record<string, string> = {
  "\"": "\\\"",
  "\\": "\\\\",
  "\b": "\\b",
  "\t": "\\t",
  "\n": "\\n",
  "\f": "\\f",
  "\r": "\\r"
}

/** A TOML basic string: `"` and `\` escaped, and every control character TOML forbids raw. */
const tomlString = (s: string): string =>
  `"${
    s.replace(loneSurrogate, "\uFFFD").replace(
      /["\\\u0000-\u001F\u007F]/g,
      (ch) => tomlEscapes[ch] ?? `\\u${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`
    )
  }"`

const tomlKey = (key: string): string => /^[A-Za-z0-9_-]+$/.test(key) ? key : tomlString(key)

const tomlInline = (value: ConfigValue): string => {
  if (typeof value === "string") return tomlString(value)
  if (typeof value !== "object") return String(value)
  if (Array.isArray(value)) return `[${value.map(tomlInline).join(", ")}]`
  const pairs = Object.entries(value as ConfigRecord).map(([k, v]) => `${tomlKey(k)} = ${tomlInline(v)}`)
  return pairs.length === 0 ? "{}" : `{ ${pairs.join(", ")} }`
}

/** `[path]` with its plain keys, then one sub-table per record-valued key (TOML needs keys before sub-tables). */
const tomlTable = (path: ReadonlyArray<string>, table: ConfigRecord): string => {
  const entries = Object.entries(table)
  const plain = entries.filter(([, v]) => !isRecord(v)).map(([k, v]) => `${tomlKey(k)} = ${tomlInline(v)}\n`)
  const header = `[${path.map(tomlKey).join(".")}]\n`
  const subTables = entries.flatMap(([k, v]) => isRecord(v) ? [tomlTable([...path, k], v)] : [])
  return [header + plain.join(""), ...subTables].join("\n")
}

// JSON.stringify gives a YAML 1.2 double-quoted scalar; these characters are escaped as well because YAML 1.1
// parsers treat NEL/LS/PS as line breaks (folding them away) and reject the other ones raw.
const yamlString = (s: string): string =>
  JSON.stringify(s).replace(
    /[\u007F-\u009F\u2028\u2029\uFEFF\uFFFE\uFFFF]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`
  )

/** Plain keys only where no YAML version could read them as anything but a string. */
const yamlKey = (key: string): string =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) && !/^(y|n|yes|no|true|false|on|off|null)$/i.test(key) ? key : yamlString(key)

const yamlScalar = (value: string | number | boolean): string =>
  typeof value === "string" ? yamlString(value) : String(value)

const emptyFlow = (value: ConfigRecord | ReadonlyArray<ConfigValue>): string => Array.isArray(value) ? "[]" : "{}"

/** Block-style YAML lines at `indent`; empty collections stay flow-style so they never read as null. */
const yamlLines = (value: ConfigRecord | ReadonlyArray<ConfigValue>, indent: number): ReadonlyArray<string> => {
  const pad = " ".repeat(indent)
  if (Array.isArray(value)) {
    return value.flatMap((item: ConfigValue) => {
      if (typeof item !== "object") return [`${pad}- ${yamlScalar(item)}`]
      const lines = yamlLines(item, indent + 2)
      if (lines.length === 0) return [`${pad}- ${emptyFlow(item)}`]
      // A collection item starts on the dash line: rendered two deeper, its first indent becomes "- ".
      return [`${pad}- ${lines[0]!.slice(indent + 2)}`, ...lines.slice(1)]
    })
  }
  return Object.entries(value as ConfigRecord).flatMap(([k, v]) => {
    const key = `${pad}${yamlKey(k)}:`
    if (typeof v !== "object") return [`${key} ${yamlScalar(v)}`]
    const lines = yamlLines(v, indent + 2)
    return lines.length === 0 ? [`${key} ${emptyFlow(v)}`] : [key, ...lines]
  })
}

// --- snippets -------------------------------------------------------------------------------------------

const render = (entry: Entry, launch: McpLaunch): string => {
  switch (entry.format) {
    case "json":
      return JSON.stringify(nestUnderContainer(entry), null, 2)
    case "shell":
      // `claude mcp add -e K=V name -- cmd` breaks since -e became variadic (v2.1.0); add-json does not.
      return `claude mcp add-json -s user ${shellWord(entry.name)} ${shellWord(JSON.stringify(entry.value))}`
    case "toml":
      return tomlTable([...entry.containerPath, entry.name], entry.value)
    case "yaml":
      // A Continue block file: its own header, then the server list.
      return `${
        yamlLines({
          name: `WAIaaS ${launch.env.WAIAAS_WALLET_NAME}`,
          version: "0.0.1",
          schema: "v1",
          ...nestUnderContainer(entry)
        }, 0).join("\n")
      }\n`
  }
}

/** Paste-ready config for every MCP client, in `McpClientId` order. Carries the launch only, never a token. */
export const clientSnippets = (launch: McpLaunch): ReadonlyArray<ClientSnippet> =>
  McpClientId.literals.map((client) => {
    const description = clients[client]
    return {
      client,
      label: description.label,
      format: description.format,
      content: render(entryOf(client, launch), launch),
      configPaths: description.configPaths(launch.serverName),
      instructions: description.instructions
    }
  })
