import { HttpApiBuilder } from "@effect/platform"
import { Api, listMcpTokens, mcpConfig, provisionMcpToken, revokeMcpToken } from "@waiaas/domain"
import { Effect } from "effect"

export const McpLive = HttpApiBuilder.group(Api, "mcp", (handlers) =>
  handlers
    .handle("provision", ({ payload }) => provisionMcpToken(payload.walletId, payload.expiresIn))
    .handle("list", () => Effect.map(listMcpTokens(), (items) => ({ items })))
    .handle("config", ({ path }) => mcpConfig(path.walletId))
    .handle("revoke", ({ path }) => revokeMcpToken(path.walletId)))
