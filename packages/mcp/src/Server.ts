import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import { serverNameCandidates, VERSION } from "@waiaas/domain"
import type { Effect } from "effect"
import type { ServerConfig } from "./ServerConfig.js"
import type { Tool, ToolRequirements } from "./Tools.js"

/** The same `waiaas-<slug>` key the daemon puts in the client config (when that name is free). */
export const serverNameFor = (config: ServerConfig): string => serverNameCandidates(config.walletName, config.walletId)[0]!

/** The MCP server with its tools; `runTool` runs a tool's Effect in the process's runtime. */
export const makeMcpServer = (
  config: ServerConfig,
  tools: ReadonlyArray<Tool>,
  runTool: (run: Effect.Effect<CallToolResult, never, ToolRequirements>) => Promise<CallToolResult>
): McpServer => {
  const server = new McpServer(
    { name: serverNameFor(config), version: VERSION },
    {
      instructions: `Tools for the WAIaaS wallet "${config.walletName}" (${config.walletId}), ` +
        `served by the WAIaaS daemon at ${config.baseUrl}.`
    }
  )
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description(config.walletName),
        annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false }
      },
      () => runTool(tool.run)
    )
  }
  return server
}
