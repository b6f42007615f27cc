import { Effect, Option } from "effect"
import { clientSnippets } from "./ClientSnippets.js"
import { McpTokenNotFound } from "./Errors.js"
import type { WalletId } from "./Ids.js"
import { claudeDesktopConfig } from "./McpSnippet.js"
import { Notifier } from "./Notifier.js"
import { mcpLaunchFor } from "./Provisioning.js"
import { sessionStatus } from "./Session.js"
import { SessionRepo } from "./SessionRepo.js"
import { nowSeconds } from "./Time.js"
import { TokenFiles } from "./TokenFiles.js"
import { mustFinish, removeTokenFileOf, tokenFileState } from "./TokenFileSync.js"
import { WalletRepo } from "./WalletRepo.js"
import { getWallet } from "./Wallets.js"

/** `GET /v1/mcp/tokens`: one row per wallet that was ever provisioned, with its file's state on disk. */
export const listMcpTokens = Effect.fn("McpTokens.list")(function*() {
  const now = yield* nowSeconds
  const files = yield* TokenFiles
  const wallets = yield* WalletRepo
  const latest = yield* (yield* SessionRepo).latestMcpPerWallet
  return yield* Effect.forEach(latest, (session) =>
    Effect.gen(function*() {
      const wallet = Option.getOrThrow(yield* wallets.findById(session.walletId))
      const file = yield* tokenFileState(session)
      return {
        walletId: wallet.id,
        walletName: wallet.name,
        serverName: wallet.serverName ?? "",
        sessionId: session.id,
        tokenPath: files.pathFor(wallet.id),
        expiresAt: session.expiresAt,
        status: sessionStatus(session, now),
        fileOnDisk: file !== "missing",
        fileMatches: file === "matches"
      }
    }))
})

/** `DELETE /v1/mcp/tokens/{walletId}`: revokes the wallet's MCP session (if any) and removes its file. */
export const revokeMcpToken = Effect.fn("McpTokens.revoke")(function*(walletId: WalletId) {
  yield* getWallet(walletId)
  const sessions = yield* SessionRepo
  const now = yield* nowSeconds
  const active = yield* sessions.findActiveMcp(walletId, now)
  if (Option.isNone(active)) return { walletId, sessionId: null, revoked: false }
  const revokedNow = yield* sessions.revoke(active.value.id, now)
  yield* removeTokenFileOf(active.value)
  if (revokedNow) {
    yield* (yield* Notifier).notify({ type: "SESSION_REVOKED", walletId, sessionId: active.value.id, at: now })
  }
  return { walletId, sessionId: active.value.id, revoked: revokedNow }
}, mustFinish)

/**
 * `GET /v1/mcp/tokens/{walletId}/config`: the client configs again, without a new token. Only for a wallet
 * that was provisioned once (its server name is fixed then).
 */
export const mcpConfig = Effect.fn("McpTokens.config")(function*(walletId: WalletId) {
  const wallet = yield* getWallet(walletId)
  if (wallet.serverName === null) {
    return yield* new McpTokenNotFound({ message: `Wallet '${walletId}' has never been provisioned for MCP` })
  }
  const latest = yield* (yield* SessionRepo).list({ walletId, source: "mcp", now: yield* nowSeconds, limit: 1 })
  const launch = yield* mcpLaunchFor(wallet, wallet.serverName)
  return {
    walletId,
    walletName: wallet.name,
    serverName: wallet.serverName,
    tokenPath: (yield* TokenFiles).pathFor(walletId),
    expiresAt: latest[0]?.expiresAt ?? null,
    claudeDesktopConfig: claudeDesktopConfig(launch),
    clients: clientSnippets(launch)
  }
})
