import { Context, Data, type Effect, type Option, type Redacted } from "effect"
import type { TokenFileWriteFailed } from "./Errors.js"
import type { WalletId } from "./Ids.js"

/**
 * A token file that could not be removed (a read-only or failing disk). Never reaches a client: whatever
 * revoked its session has committed and stands, and the token in the file is refused already; the file is
 * removed once the disk lets us.
 */
export class TokenFileRemoveFailed extends Data.TaggedError("TokenFileRemoveFailed")<{
  readonly walletId: WalletId
  /** The errno code, e.g. EROFS. */
  readonly code: string
}> {}

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
  readonly remove: (walletId: WalletId) => Effect.Effect<void, TokenFileRemoveFailed>
}>() {}
