import type { McpTokenSummary } from "@waiaas/domain"
import { Clock, Console, Effect } from "effect"
import { resolveBaseUrl } from "./BaseUrl.js"
import { makeDaemonClient } from "./DaemonClient.js"
import { resolveDataDir } from "./DataDir.js"
import { resolveMasterPassword } from "./MasterPasswordSource.js"
import { humanDuration, relativeTime, utcTimestamp } from "./TimeText.js"
import { walletLines } from "./WalletSelection.js"

// `waiaas status`: is the daemon up (and which version, for how long), where its data lives, its wallets,
// and the MCP tokens with their expiry. The public /health first; the rest needs the master password.

type TokenSummary = typeof McpTokenSummary.Type

const fileState = (token: TokenSummary) =>
  !token.fileOnDisk ? "  (token file missing)" : token.fileMatches ? "" : "  (token file holds another token)"

export const mcpTokenLines = (tokens: ReadonlyArray<TokenSummary>, nowSeconds: number): ReadonlyArray<string> => {
  const width = Math.max(0, ...tokens.map((t) => t.serverName.length))
  const nameWidth = Math.max(0, ...tokens.map((t) => t.walletName.length + 2))
  return tokens.map((t) => {
    const expiry = t.status === "REVOKED"
      ? "revoked"
      : `${t.status === "EXPIRED" ? "expired" : "expires"} ${utcTimestamp(t.expiresAt)} (${relativeTime(t.expiresAt, nowSeconds)})`
    return `  ${t.serverName.padEnd(width)}  ${`"${t.walletName}"`.padEnd(nameWidth)}  ${expiry}${fileState(t)}`
  })
}

export const status = (env: Record<string, string | undefined>) =>
  Effect.gen(function*() {
    const baseUrl = yield* resolveBaseUrl(env)
    const daemon = yield* makeDaemonClient(baseUrl)
    const health = yield* daemon.health
    yield* Console.log(`WAIaaS daemon ${health.version} is running at ${baseUrl} (up ${humanDuration(health.uptime)}).`)
    yield* Console.log(`Data dir: ${resolveDataDir(env)}`)

    const passwordSource = env.WAIAAS_MASTER_PASSWORD || env.WAIAAS_MASTER_PASSWORD_FILE || process.stdin.isTTY
    if (!passwordSource) {
      yield* Console.log(
        "Wallets and MCP tokens: not shown without the master password (set WAIAAS_MASTER_PASSWORD or " +
          "WAIAAS_MASTER_PASSWORD_FILE, or run this in a terminal)."
      )
      return
    }
    const admin = daemon.withPassword(yield* resolveMasterPassword(env))
    const wallets = yield* admin.listWallets
    const tokens = yield* admin.listMcpTokens
    const nowSeconds = Math.floor((yield* Clock.currentTimeMillis) / 1000)
    const active = wallets.filter((w) => w.status === "ACTIVE").length
    yield* Console.log(
      wallets.length === 0
        ? "Wallets: none yet (create one in the Admin UI at " + `${baseUrl}/admin)`
        : `Wallets: ${wallets.length}${active === wallets.length ? "" : ` (${active} active)`}`
    )
    for (const line of walletLines(wallets)) yield* Console.log(line)
    yield* Console.log(
      tokens.length === 0 ? "MCP tokens: none yet (run `npx waiaas mcp setup`)" : `MCP tokens: ${tokens.length}`
    )
    for (const line of mcpTokenLines(tokens, nowSeconds)) yield* Console.log(line)
  })
