import type { McpServerCommand } from "@waiaas/adapters"
import { existsSync } from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"

/**
 * The MCP server this checkout ships, launched by the node running the daemon, both as absolute paths:
 * the snippet then works exactly as pasted, with nothing published and no PATH lookups in a GUI client.
 * `mcp.command` / `mcp.args` override it (e.g. `npx -y @waiaas/mcp@<version>` once published).
 */
export const bundledMcpServer = (): McpServerCommand & { readonly built: boolean } => {
  const packageJson = createRequire(import.meta.url).resolve("@waiaas/mcp/package.json")
  const main = path.join(path.dirname(packageJson), "dist", "main.js")
  return { command: process.execPath, args: [main], built: existsSync(main) }
}
