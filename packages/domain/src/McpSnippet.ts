import { Schema } from "effect"

/** What an MCP client needs to launch our MCP server for one wallet. Never a token. */
export interface McpLaunch {
  readonly serverName: string
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly env: {
    readonly WAIAAS_DATA_DIR: string
    readonly WAIAAS_BASE_URL: string
    readonly WAIAAS_WALLET_ID: string
    readonly WAIAAS_WALLET_NAME: string
  }
}

export const McpServerEntry = Schema.Struct({
  command: Schema.String,
  args: Schema.Array(Schema.String),
  env: Schema.Record({ key: Schema.String, value: Schema.String })
})

/** Claude Desktop's `claude_desktop_config.json` shape: paste-ready. */
export const ClaudeDesktopConfig = Schema.Struct({
  mcpServers: Schema.Record({ key: Schema.String, value: McpServerEntry })
}).annotations({ identifier: "ClaudeDesktopConfig" })
export type ClaudeDesktopConfig = typeof ClaudeDesktopConfig.Type

export const claudeDesktopConfig = (launch: McpLaunch): ClaudeDesktopConfig => ({
  mcpServers: {
    [launch.serverName]: { command: launch.command, args: [...launch.args], env: { ...launch.env } }
  }
})
