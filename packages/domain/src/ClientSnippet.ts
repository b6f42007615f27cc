import { Schema } from "effect"

/** The MCP clients we give paste-ready config for. */
export const McpClientId = Schema.Literal(
  "claude-desktop",
  "claude-code",
  "cursor",
  "vscode",
  "windsurf",
  "cline",
  "zed",
  "codex",
  "gemini",
  "continue"
)
export type McpClientId = typeof McpClientId.Type

export const SnippetFormat = Schema.Literal("json", "toml", "yaml", "shell")
export type SnippetFormat = typeof SnippetFormat.Type

/** Where a client keeps its config, per OS (absent: the client has none there, or it is not a file). */
export const ConfigPaths = Schema.Struct({
  macos: Schema.optional(Schema.String),
  windows: Schema.optional(Schema.String),
  linux: Schema.optional(Schema.String)
})
export type ConfigPaths = typeof ConfigPaths.Type

/** One client's paste-ready config for our MCP server. Never contains a token. */
export const ClientSnippet = Schema.Struct({
  client: McpClientId,
  /** Human name, e.g. "Claude Desktop". */
  label: Schema.String,
  format: SnippetFormat,
  /** The text to paste (a JSON or TOML fragment, a YAML file, or a shell command). */
  content: Schema.String,
  configPaths: ConfigPaths,
  /** One sentence: where the content goes and what to do after. */
  instructions: Schema.String
}).annotations({ identifier: "ClientSnippet" })
export type ClientSnippet = typeof ClientSnippet.Type
