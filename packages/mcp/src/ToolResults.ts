import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import type { AgentCallError } from "./DaemonClient.js"
import type { ServerConfig } from "./ServerConfig.js"
import type { NoValidToken } from "./TokenState.js"
import { wireSpecOf } from "./WireError.js"

// Every failure is a tool result with `isError: true`, never a JSON-RPC error and never a crash: the MCP
// client stays connected, and the model reads why the call did nothing. Errors the daemon answered are
// JSON {code, message, hint}; "no token" and "daemon down" are sentences a person can act on.

export const jsonResult = (value: unknown): CallToolResult => ({
  content: [{ type: "text", text: JSON.stringify(value, null, 2) }]
})

const errorText = (text: string): CallToolResult => ({ content: [{ type: "text", text }], isError: true })

export const noValidTokenMessage = (config: ServerConfig, reason: string): string =>
  `No valid token for wallet ${config.walletName}: provision one with \`POST /v1/mcp/tokens\` ` +
  `(Admin UI → Wallet → Provision MCP token, or \`waiaas mcp setup --wallet ${config.walletId}\`).\n` +
  `Reason: ${reason}. This server picks up the new token by itself; no restart is needed.`

export const daemonUnreachableMessage = (baseUrl: string, detail: string): string =>
  `WAIaaS daemon at ${baseUrl} is not reachable — is it running? (${detail})`

export const failureResult = (config: ServerConfig, error: AgentCallError | NoValidToken): CallToolResult => {
  switch (error._tag) {
    case "NoValidToken":
      return errorText(noValidTokenMessage(config, error.reason))
    case "DaemonUnreachable":
      return errorText(daemonUnreachableMessage(error.baseUrl, error.detail))
    case "UnexpectedResponse":
      return errorText(`The WAIaaS daemon at ${config.baseUrl} gave an unexpected answer: ${error.detail}`)
    default: {
      const spec = wireSpecOf(error)
      return errorText(JSON.stringify(
        { code: spec?.code ?? error._tag, message: error.message, ...(spec?.hint === undefined ? {} : { hint: spec.hint }) },
        null,
        2
      ))
    }
  }
}

export const internalErrorResult = (detail: string): CallToolResult =>
  errorText(`Internal error in the WAIaaS MCP server: ${detail}. Details are in the MCP server's log (stderr).`)
