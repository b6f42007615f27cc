import { HttpApiBuilder } from "@effect/platform"
import { Api, createWallet, getWallet, listWallets, renameWallet, terminateWallet } from "@waiaas/domain"
import { Effect } from "effect"

export const WalletsLive = HttpApiBuilder.group(Api, "wallets", (handlers) =>
  handlers
    .handle("create", ({ payload }) => createWallet(payload))
    .handle("list", () => Effect.map(listWallets(), (items) => ({ items })))
    .handle("get", ({ path }) => getWallet(path.id))
    .handle("rename", ({ path, payload }) => renameWallet(path.id, payload.name))
    .handle("terminate", ({ path }) => terminateWallet(path.id)))
