import { Effect, Option } from "effect"
import type { ClientSnippet } from "./ClientSnippet.js"
import { clientSnippets } from "./ClientSnippets.js"
import { DaemonSettings } from "./DaemonSettings.js"
import { type ClaudeDesktopConfig, claudeDesktopConfig, type McpLaunch } from "./McpSnippet.js"
import type { WalletId } from "./Ids.js"
import { Notifier } from "./Notifier.js"
import { createSession, undoCreateSession } from "./Sessions.js"
import { serverNameCandidates } from "./Slug.js"
import { TokenFiles } from "./TokenFiles.js"
import { mustFinish, writeTokenFileIfCurrentLocked } from "./TokenFileSync.js"
import { Transaction } from "./Transaction.js"
import { type Wallet, Wallet as WalletClass } from "./Wallet.js"
import { WalletLocks } from "./WalletLocks.js"
import { WalletRepo } from "./WalletRepo.js"

export interface ProvisionedMcpToken {
  readonly walletId: WalletId
  readonly walletName: string
  readonly serverName: string
  readonly tokenPath: string
  readonly expiresAt: number
  readonly claudeDesktopConfig: ClaudeDesktopConfig
  readonly clients: ReadonlyArray<ClientSnippet>
}

/**
 * The wallet's MCP server name: fixed the first time it is provisioned, so that renaming the wallet never
 * breaks a config that was already pasted. A collision with another wallet gets a suffix from its id.
 */
const assignServerName = Effect.fnUntraced(function*(wallet: Wallet) {
  if (wallet.serverName !== null) return wallet.serverName
  const wallets = yield* WalletRepo
  return yield* (yield* Transaction).atomically(Effect.gen(function*() {
    for (const candidate of serverNameCandidates(wallet.name, wallet.id)) {
      if (!(yield* wallets.isServerNameTaken(candidate))) {
        yield* wallets.update(new WalletClass({ ...wallet, serverName: candidate }))
        return candidate
      }
    }
    return yield* Effect.dieMessage(`no free server name for wallet ${wallet.id}`)
  }))
})

export const mcpLaunchFor = Effect.fnUntraced(function*(wallet: Wallet, serverName: string) {
  const settings = yield* DaemonSettings
  return {
    serverName,
    command: settings.mcpCommand,
    args: settings.mcpArgs,
    env: {
      WAIAAS_DATA_DIR: settings.dataDir,
      WAIAAS_BASE_URL: settings.baseUrl,
      WAIAAS_WALLET_ID: wallet.id,
      WAIAAS_WALLET_NAME: wallet.name
    }
  } satisfies McpLaunch
})

/** The part of provisioning's answer that depends only on the wallet: how a client launches its MCP server. */
interface ClientConfig {
  readonly walletName: string
  readonly serverName: string
  readonly claudeDesktopConfig: ClaudeDesktopConfig
  readonly clients: ReadonlyArray<ClientSnippet>
}

const clientConfigFor = (wallet: Wallet, serverName: string) =>
  Effect.map(mcpLaunchFor(wallet, serverName), (launch): ClientConfig => ({
    walletName: wallet.name,
    serverName,
    claudeDesktopConfig: claudeDesktopConfig(launch),
    clients: clientSnippets(launch)
  }))

/** A preview of provisioning's answer, worked out before the caller was known to be allowed. */
export type ProvisioningPreview = Option.Option<ClientConfig>

/**
 * What provisioning the wallet will answer, as far as it can be known without changing anything: its
 * client config, if the wallet exists and its server name is already fixed. Made while argon2 checks the
 * master password (checkMasterPasswordWhile); provisionMcpToken uses it only if the wallet it commits
 * against still has that name and server name. Never fails: if it cannot be made, provisioning renders
 * the config itself, and meets whatever stopped the preview on its own reads.
 */
export const previewProvisioning = (
  walletId: WalletId
): Effect.Effect<ProvisioningPreview, never, WalletRepo | DaemonSettings> =>
  Effect.flatMap(WalletRepo, (wallets) => wallets.findById(walletId)).pipe(
    Effect.flatMap((wallet) =>
      Option.isSome(wallet) && wallet.value.serverName !== null
        ? Effect.asSome(clientConfigFor(wallet.value, wallet.value.serverName))
        : Effect.succeedNone
    ),
    Effect.catchAllCause(() => Effect.succeedNone)
  )

const previewFits = (
  preview: ProvisioningPreview,
  wallet: Wallet,
  serverName: string
): preview is Option.Some<ClientConfig> =>
  Option.isSome(preview) && preview.value.walletName === wallet.name && preview.value.serverName === serverName

/**
 * `POST /v1/mcp/tokens`: a new MCP session for the wallet (replacing its previous one in the same
 * transaction), its token written atomically to the wallet's token file after the commit, and the
 * paste-ready client config. If the file cannot be written, the session is undone and the old file and
 * session stay as they were.
 *
 * Untraced, like every program on a request's path: tracing is off while serving, and Effect.fn would
 * still make a span and an Error per call (~10 µs each).
 */
export const provisionMcpToken = Effect.fnUntraced(function*(
  walletId: WalletId,
  expiresIn?: number,
  preview: ProvisioningPreview = Option.none()
) {
  const files = yield* TokenFiles
  // One provisioning of a wallet at a time, from its commit to its file (or its undo): otherwise another
  // could replace this session in between, and undoing a failed write would bring back a session that is
  // no longer the one this replaced, or whose token never reached the file.
  const created = yield* (yield* WalletLocks).withLock(walletId)(Effect.gen(function*() {
    const created = yield* createSession({ walletId, expiresIn, source: "mcp" })
    // false: revoked meanwhile (a revocation does not wait for this lock to commit); nothing to write.
    yield* writeTokenFileIfCurrentLocked(created.session, created.token).pipe(
      Effect.tapError(() => undoCreateSession(created, "token file not written"))
    )
    return created
  }))
  const serverName = yield* assignServerName(created.wallet)
  // Not in the session's transaction with its other events: it says the file was written, which a failed
  // write undoes after that commit.
  yield* (yield* Notifier).notify({
    type: "MCP_TOKEN_PROVISIONED",
    walletId,
    sessionId: created.session.id,
    at: created.session.createdAt
  })
  const config = previewFits(preview, created.wallet, serverName)
    ? preview.value
    : yield* clientConfigFor(created.wallet, serverName)
  return {
    walletId,
    walletName: created.wallet.name,
    serverName,
    tokenPath: files.pathFor(walletId),
    expiresAt: created.session.expiresAt,
    claudeDesktopConfig: config.claudeDesktopConfig,
    clients: config.clients
  } satisfies ProvisionedMcpToken
}, mustFinish)
