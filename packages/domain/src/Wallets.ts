import { Effect, Option } from "effect"
import { ValidationFailed, WalletNotFound, WalletTerminated } from "./Errors.js"
import { IdGenerator } from "./IdGenerator.js"
import { WalletId } from "./Ids.js"
import { Notifier } from "./Notifier.js"
import { SessionRepo } from "./SessionRepo.js"
import { nowSeconds } from "./Time.js"
import { mustFinish, removeTokenFile } from "./TokenFileSync.js"
import { Transaction } from "./Transaction.js"
import { type CreateWalletInput, defaultNetwork, isNetworkOf, networksByChain, Wallet } from "./Wallet.js"
import { WalletRepo } from "./WalletRepo.js"

const notFound = (id: WalletId) => new WalletNotFound({ message: `Wallet '${id}' not found` })

/** The wallet, or WalletNotFound. */
export const getWallet = Effect.fnUntraced(function*(id: WalletId) {
  const wallets = yield* WalletRepo
  return yield* Effect.flatMap(wallets.findById(id), Option.match({
    onNone: () => Effect.fail(notFound(id)),
    onSome: Effect.succeed
  }))
})

/** The wallet if it may still be used, WalletTerminated if not. */
export const getActiveWallet = Effect.fnUntraced(function*(id: WalletId) {
  const wallet = yield* getWallet(id)
  if (wallet.status === "TERMINATED") {
    return yield* new WalletTerminated({ message: `Wallet '${id}' is terminated` })
  }
  return wallet
})

export const createWallet = Effect.fn("Wallets.create")(function*(input: CreateWalletInput) {
  const chain = input.chain ?? "solana"
  const network = input.network ?? defaultNetwork(chain)
  if (!isNetworkOf(chain, network)) {
    return yield* new ValidationFailed({
      message: `network '${network}' is not a ${chain} network`,
      details: { issues: [{ path: ["network"], message: `expected one of: ${networksByChain[chain].join(", ")}` }] }
    })
  }
  const id = WalletId.make(yield* (yield* IdGenerator).next)
  const now = yield* nowSeconds
  const wallet = new Wallet({
    id,
    name: input.name,
    chain,
    network,
    status: "ACTIVE",
    serverName: null,
    createdAt: now,
    updatedAt: now
  })
  yield* (yield* WalletRepo).insert(wallet)
  return wallet
})

export const listWallets = Effect.fn("Wallets.list")(function*() {
  return yield* (yield* WalletRepo).list
})

export const renameWallet = Effect.fn("Wallets.rename")(function*(id: WalletId, name: string) {
  const wallets = yield* WalletRepo
  const transaction = yield* Transaction
  const now = yield* nowSeconds
  return yield* transaction.atomically(Effect.gen(function*() {
    const wallet = yield* getActiveWallet(id)
    const renamed = new Wallet({ ...wallet, name, updatedAt: now })
    yield* wallets.update(renamed)
    return renamed
  }))
})

/**
 * Terminates a wallet: it stays listed as TERMINATED, every session it had is revoked and its token file
 * removed. Terminating twice is WalletTerminated (410), as in the original.
 */
export const terminateWallet = Effect.fn("Wallets.terminate")(function*(id: WalletId) {
  const wallets = yield* WalletRepo
  const sessions = yield* SessionRepo
  const transaction = yield* Transaction
  const now = yield* nowSeconds
  const { revoked, terminated } = yield* transaction.atomically(Effect.gen(function*() {
    const wallet = yield* getActiveWallet(id)
    const terminated = new Wallet({ ...wallet, status: "TERMINATED", updatedAt: now })
    yield* wallets.update(terminated)
    const revoked = yield* sessions.revokeAllForWallet(id, now)
    return { revoked, terminated }
  }))
  yield* removeTokenFile(id)
  const notifier = yield* Notifier
  yield* notifier.notify({ type: "WALLET_TERMINATED", walletId: id, at: now })
  yield* Effect.forEach(revoked, (sessionId) => notifier.notify({ type: "SESSION_REVOKED", walletId: id, sessionId, at: now }), {
    discard: true
  })
  return terminated
}, mustFinish)
