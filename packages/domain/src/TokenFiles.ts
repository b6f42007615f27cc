import { Context, type Effect, type Option, type Redacted } from "effect"
import type { TokenFileWriteFailed } from "./Errors.js"
import type { WalletId } from "./Ids.js"

/**
 * The token files under `DATA_DIR/mcp-tokens/<walletId>` that our MCP server reads. Writes are atomic:
 * a reader sees the old token or the new one, never a partial file.
 */
export class TokenFiles extends Context.Tag("waiaas/TokenFiles")<TokenFiles, {
  /** Absolute path of the wallet's token file (whether or not it exists). */
  readonly pathFor: (walletId: WalletId) => string
  readonly write: (walletId: WalletId, token: Redacted.Redacted<string>) => Effect.Effect<void, TokenFileWriteFailed>
  readonly read: (walletId: WalletId) => Effect.Effect<Option.Option<Redacted.Redacted<string>>>
  /** The wallets that have a token file now (files with other names are ignored). */
  readonly list: Effect.Effect<ReadonlyArray<WalletId>>
  /** Idempotent: removing a missing file succeeds. */
  readonly remove: (walletId: WalletId) => Effect.Effect<void>
}>() {}
