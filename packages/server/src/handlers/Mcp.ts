import { HttpApiBuilder } from "@effect/platform"
import { Api, provisionMcpToken } from "@waiaas/domain"

export const McpLive = HttpApiBuilder.group(Api, "mcp", (handlers) =>
  handlers.handle("provision", ({ payload }) => provisionMcpToken(payload.walletId, payload.expiresIn)))
