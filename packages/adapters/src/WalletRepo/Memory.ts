import { type Wallet, WalletRepo } from "@waiaas/domain"
import { Effect, Layer, Option, Ref } from "effect"
import { MemoryStore } from "../MemoryStore.js"

const newestFirst = (a: Wallet, b: Wallet): number =>
  b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)

const serverNameTaken = (wallets: ReadonlyMap<string, Wallet>, serverName: string, except?: string): boolean =>
  [...wallets.values()].some((w) => w.serverName === serverName && w.id !== except)

/** WalletRepo over MemoryStore; constraint violations die, as they do in SQLite. */
export const WalletRepoMemory: Layer.Layer<WalletRepo, never, MemoryStore> = Layer.effect(
  WalletRepo,
  Effect.gen(function*() {
    const { locked, state } = yield* MemoryStore
    const wallets = Effect.map(Ref.get(state), (s) => s.wallets)
    const put = (wallet: Wallet) =>
      Ref.update(state, (s) => ({ ...s, wallets: new Map(s.wallets).set(wallet.id, wallet) }))

    return WalletRepo.of({
      insert: (wallet) =>
        locked(Effect.gen(function*() {
          const current = yield* wallets
          if (current.has(wallet.id)) return yield* Effect.dieMessage(`UNIQUE constraint failed: wallets.id`)
          if (wallet.serverName !== null && serverNameTaken(current, wallet.serverName)) {
            return yield* Effect.dieMessage(`UNIQUE constraint failed: wallets.server_name`)
          }
          yield* put(wallet)
        })),
      findById: (id) => locked(Effect.map(wallets, (ws) => Option.fromNullable(ws.get(id)))),
      list: locked(Effect.map(wallets, (ws) => [...ws.values()].sort(newestFirst))),
      // Like `UPDATE ... WHERE id = ?`: an unknown id changes nothing.
      update: (wallet) =>
        locked(Effect.gen(function*() {
          const current = yield* wallets
          if (!current.has(wallet.id)) return
          if (wallet.serverName !== null && serverNameTaken(current, wallet.serverName, wallet.id)) {
            return yield* Effect.dieMessage(`UNIQUE constraint failed: wallets.server_name`)
          }
          yield* put(wallet)
        })),
      isServerNameTaken: (serverName) => locked(Effect.map(wallets, (ws) => serverNameTaken(ws, serverName)))
    })
  })
)
