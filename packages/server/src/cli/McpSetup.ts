import { clientLabel, type McpClientId, SESSION_TTL_MAX, SESSION_TTL_MIN } from "@waiaas/domain"
import { Clock, Console, Data, Effect, Option } from "effect"
import * as os from "node:os"
import { resolveBaseUrl } from "./BaseUrl.js"
import { checkInstallable, installForClient } from "./ClientInstall.js"
import { configPathFor } from "./ConfigPaths.js"
import { makeDaemonClient } from "./DaemonClient.js"
import { resolveMasterPassword } from "./MasterPasswordSource.js"
import { combinedSnippet, type Provisioned, snippetOf } from "./ProvisionedConfig.js"
import { relativeTime, utcTimestamp } from "./TimeText.js"
import { selectWallets, type WalletChoice } from "./WalletSelection.js"

// `waiaas mcp setup`: POST /v1/mcp/tokens for the chosen wallet(s), then the chosen client's snippet, or
// (`--install`) that snippet merged into the client's config file. The daemon provisions and renders; the
// CLI only chooses wallets, asks, and writes the user's file.
//
// Output: the snippet alone goes to stdout (so it can be redirected); what was provisioned and where the
// snippet goes are on stderr. With --install, the report of what changed goes to stdout.

export class McpSetupInvalid extends Data.TaggedError("McpSetupInvalid")<{ readonly message: string }> {}

/** With --all: which wallet failed, and which were set up before it. */
export class WalletProvisioningFailed extends Data.TaggedError("WalletProvisioningFailed")<{ readonly message: string }> {}

export interface McpSetupOptions extends WalletChoice {
  readonly env: Record<string, string | undefined>
  readonly expiresIn: Option.Option<number>
  readonly client: McpClientId
  readonly install: boolean
  /** The OS whose config paths apply (default: this one). */
  readonly platform?: NodeJS.Platform
}

const checkExpiresIn = (expiresIn: Option.Option<number>) =>
  Option.match(expiresIn, {
    onNone: () => Effect.void,
    onSome: (seconds) =>
      Number.isInteger(seconds) && seconds >= SESSION_TTL_MIN && seconds <= SESSION_TTL_MAX
        ? Effect.void
        : new McpSetupInvalid({
          message: `--expires-in must be a whole number of seconds from ${SESSION_TTL_MIN} (5 minutes) to ${SESSION_TTL_MAX} (7 days), got ${seconds}`
        })
  })

const provisionedLine = (p: Provisioned, nowSeconds: number) =>
  `MCP token for wallet "${p.walletName}" (${p.walletId}) written to ${p.tokenPath}; ` +
  `expires ${utcTimestamp(p.expiresAt)} (${relativeTime(p.expiresAt, nowSeconds)}).`

export const mcpSetup = (options: McpSetupOptions) =>
  Effect.gen(function*() {
    if (options.all && Option.isSome(options.wallet)) {
      return yield* new McpSetupInvalid({
        message: "--wallet and --all exclude each other: name one wallet, or use --all for every active wallet"
      })
    }
    yield* checkExpiresIn(options.expiresIn)
    const baseUrl = yield* resolveBaseUrl(options.env)
    const daemon = yield* makeDaemonClient(baseUrl)
    // Reachable first, then the password (a prompt for nothing helps no one), then the wallets.
    yield* daemon.health
    const admin = daemon.withPassword(yield* resolveMasterPassword(options.env))
    const wallets = yield* selectWallets(yield* admin.listWallets, options, baseUrl)
    const context = { platform: options.platform ?? process.platform, env: options.env, homedir: os.homedir() }
    if (options.install) yield* checkInstallable(options.client, context)

    const provisioned: Array<Provisioned> = []
    for (const wallet of wallets) {
      const result = yield* admin.provisionMcpToken(wallet.id, options.expiresIn).pipe(
        Effect.mapError((error) =>
          wallets.length === 1 ? error : new WalletProvisioningFailed({
            message: `Wallet "${Option.getOrElse(wallet.name, () => wallet.id)}": ${error.message}` +
              (provisioned.length > 0 ? ` (already set up: ${provisioned.map((p) => p.walletName).join(", ")})` : "")
          })
        )
      )
      provisioned.push(result)
    }

    const nowSeconds = Math.floor((yield* Clock.currentTimeMillis) / 1000)
    for (const p of provisioned) yield* Console.error(provisionedLine(p, nowSeconds))

    if (options.install) {
      const report = yield* installForClient(options.client, provisioned, context)
      for (const line of report) yield* Console.log(line)
      return
    }

    const label = clientLabel(options.client)
    const snippet = yield* snippetOf(provisioned[0]!, options.client)
    const where = configPathFor(label, snippet.configPaths, context)
    yield* Console.error(`\n${label}: ${snippet.instructions}`)
    if (where._tag === "Right" && snippet.format !== "shell") yield* Console.error(`Config file: ${where.right}`)
    yield* Console.error("")
    yield* Console.log(yield* combinedSnippet(options.client, provisioned))
    if (snippet.format !== "shell") {
      yield* Console.error(
        `\nOr run this again with --install to merge it into that file (other servers kept, the old file backed up).`
      )
    }
  })
