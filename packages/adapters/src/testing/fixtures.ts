import { Session, SessionId, Wallet, WalletId } from "@waiaas/domain"

/** A deterministic lower-case UUID v7 whose last 12 hex digits are `n`: ids sort like their numbers. */
export const uuidV7 = (n: number): string => `01900000-0000-7000-8000-${n.toString(16).padStart(12, "0")}`

export const walletId = (n: number): WalletId => WalletId.make(uuidV7(n))

export const sessionId = (n: number): SessionId => SessionId.make(uuidV7(n))

/** The constructor fields of a model (its getters, like `Session.issuedAt`, are derived, not fields). */
type Fields<A, Derived extends keyof A = never> = { -readonly [K in Exclude<keyof A, Derived>]: A[K] }

export const makeWallet = (n: number, overrides: Partial<Fields<Wallet>> = {}): Wallet =>
  new Wallet({
    id: walletId(n),
    name: `Wallet ${n}`,
    chain: "solana",
    network: "devnet",
    status: "ACTIVE",
    serverName: null,
    createdAt: 1_000,
    updatedAt: 1_000,
    ...overrides
  })

/**
 * Session `n` of `wallet`: created at 1_000, expiring at 2_000, unrenewed, unrevoked, not swept. Unless
 * given, `ttl` is `expiresAt - createdAt` of the result (what the migration backfills).
 */
export const makeSession = (
  n: number,
  wallet: WalletId,
  overrides: Partial<Fields<Session, "issuedAt">> = {}
): Session => {
  const createdAt = overrides.createdAt ?? 1_000
  const expiresAt = overrides.expiresAt ?? 2_000
  return new Session({
    id: sessionId(n),
    walletId: wallet,
    tokenHash: `hash-${n}`,
    source: "api",
    ttl: expiresAt - createdAt,
    expiresAt,
    absoluteExpiresAt: 10_000,
    renewalCount: 0,
    maxRenewals: 12,
    lastRenewedAt: null,
    revokedAt: null,
    expiredAt: null,
    createdAt,
    ...overrides
  })
}
