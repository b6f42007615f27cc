import { Session, SessionId, Wallet, WalletId } from "@waiaas/domain"

/** A deterministic lower-case UUID v7 whose last 12 hex digits are `n`: ids sort like their numbers. */
export const uuidV7 = (n: number): string => `01900000-0000-7000-8000-${n.toString(16).padStart(12, "0")}`

export const walletId = (n: number): WalletId => WalletId.make(uuidV7(n))

export const sessionId = (n: number): SessionId => SessionId.make(uuidV7(n))

type Fields<A> = { -readonly [K in keyof A]: A[K] }

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

export const makeSession = (n: number, wallet: WalletId, overrides: Partial<Fields<Session>> = {}): Session =>
  new Session({
    id: sessionId(n),
    walletId: wallet,
    tokenHash: `hash-${n}`,
    source: "api",
    expiresAt: 2_000,
    absoluteExpiresAt: 10_000,
    renewalCount: 0,
    maxRenewals: 12,
    lastRenewedAt: null,
    revokedAt: null,
    createdAt: 1_000,
    ...overrides
  })
