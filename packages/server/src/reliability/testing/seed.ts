import { type Argon2Params, SqliteStack, testArgon2Params } from "@waiaas/adapters"
import { createWallet, ensureMasterPassword, provisionMcpToken, type WalletId } from "@waiaas/domain"
import { Effect, Redacted, TestClock, TestContext } from "effect"
import { testSettings } from "../../testing/TestDaemon.js"

export interface SeedOptions {
  readonly dataDir: string
  readonly password: string
  /** The master password's hash parameters (the daemon verifies with whatever the stored hash says). */
  readonly argon2?: Argon2Params
  readonly wallets: number
  /** Give each wallet an MCP session with this TTL (seconds), issued `agedBy` seconds ago. */
  readonly mcp?: { readonly ttl: number; readonly agedBy: number }
}

/**
 * Prepares a data dir before the daemon first starts on it, through the same domain programs and SQLite
 * stack the daemon uses: the master password's hash, wallets, and optionally an MCP session per wallet
 * issued in the past, so that the running daemon can renew it at once (renewal needs half the TTL gone,
 * and a real process cannot be given a TestClock). The stack is closed before this resolves.
 */
export const seedDataDir = (options: SeedOptions): Promise<ReadonlyArray<WalletId>> =>
  Effect.gen(function*() {
    yield* TestClock.setTime(Date.now() - (options.mcp?.agedBy ?? 0) * 1000)
    yield* ensureMasterPassword(Redacted.make(options.password))
    const ids: Array<WalletId> = []
    for (let i = 0; i < options.wallets; i++) {
      const wallet = yield* createWallet({ name: `seeded ${i}` })
      if (options.mcp !== undefined) yield* provisionMcpToken(wallet.id, options.mcp.ttl)
      ids.push(wallet.id)
    }
    return ids
  }).pipe(
    Effect.provide(SqliteStack({ settings: testSettings(options.dataDir), argon2: options.argon2 ?? testArgon2Params })),
    Effect.provide(TestContext.TestContext),
    Effect.scoped,
    Effect.runPromise
  )
