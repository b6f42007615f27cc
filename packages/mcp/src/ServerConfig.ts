import { WalletId } from "@waiaas/domain"
import { Context, Either, Schema } from "effect"
import * as path from "node:path"

/** What the MCP client's config tells this server, through its environment. Never a token. */
export interface ServerConfig {
  readonly dataDir: string
  readonly baseUrl: string
  readonly walletId: WalletId
  /** The wallet's name for server name and tool descriptions; its id when no name was given. */
  readonly walletName: string
  /** `DATA_DIR/mcp-tokens/<walletId>`, built only from a validated wallet id. */
  readonly tokenPath: string
}

export const ServerConfig = Context.GenericTag<ServerConfig>("waiaas-mcp/ServerConfig")

export const DEFAULT_BASE_URL = "http://127.0.0.1:3100"

const decodeWalletId = Schema.decodeUnknownEither(WalletId)

/**
 * Reads `WAIAAS_DATA_DIR` (required), `WAIAAS_BASE_URL`, `WAIAAS_WALLET_ID` (required, lower-case UUID v7)
 * and `WAIAAS_WALLET_NAME`. On failure: one line per problem, each naming its variable.
 */
export const parseServerConfig = (
  env: Readonly<Record<string, string | undefined>>
): Either.Either<ServerConfig, ReadonlyArray<string>> => {
  const problems: Array<string> = []
  const dataDir = env.WAIAAS_DATA_DIR?.trim() ?? ""
  if (dataDir === "") problems.push("WAIAAS_DATA_DIR is not set: the daemon's data directory (it holds mcp-tokens/).")

  const rawWalletId = env.WAIAAS_WALLET_ID?.trim() ?? ""
  let walletId: WalletId | undefined
  if (rawWalletId === "") {
    problems.push("WAIAAS_WALLET_ID is not set: the id of the wallet this server acts for.")
  } else {
    const decoded = decodeWalletId(rawWalletId)
    if (Either.isRight(decoded)) walletId = decoded.right
    else problems.push(`WAIAAS_WALLET_ID ${JSON.stringify(rawWalletId)} is not a wallet id (a lower-case UUID v7).`)
  }

  const baseUrl = (env.WAIAAS_BASE_URL?.trim() || DEFAULT_BASE_URL).replace(/\/+$/, "")
  if (!isHttpUrl(baseUrl)) problems.push(`WAIAAS_BASE_URL ${JSON.stringify(baseUrl)} is not an http(s) URL.`)

  if (problems.length > 0 || walletId === undefined) return Either.left(problems)
  const absoluteDataDir = path.resolve(dataDir)
  return Either.right({
    dataDir: absoluteDataDir,
    baseUrl,
    walletId,
    walletName: env.WAIAAS_WALLET_NAME?.trim() || walletId,
    tokenPath: path.join(absoluteDataDir, "mcp-tokens", walletId)
  })
}

const isHttpUrl = (value: string): boolean => {
  try {
    const url = new URL(value)
    return url.protocol === "http:" || url.protocol === "https:"
  } catch {
    return false
  }
}

/** The whole stderr message for a configuration that cannot start. */
export const describeConfigProblems = (problems: ReadonlyArray<string>): string =>
  [
    "waiaas-mcp cannot start:",
    ...problems.map((problem) => `  - ${problem}`),
    "These variables come from the MCP client's config: copy it from `POST /v1/mcp/tokens` (Admin UI → Wallet → Provision MCP token)."
  ].join("\n")
