import { Schema } from "effect"
import { WalletId } from "./Ids.js"
import { EpochSeconds } from "./Time.js"

export const Chain = Schema.Literal("solana", "ethereum")
export type Chain = typeof Chain.Type

/** The networks each chain may run on; the first is the default. */
export const networksByChain = {
  solana: ["devnet", "testnet", "mainnet"],
  ethereum: ["sepolia", "holesky", "mainnet"]
} as const satisfies Record<Chain, ReadonlyArray<string>>

export const defaultNetwork = (chain: Chain): string => networksByChain[chain][0]

export const isNetworkOf = (chain: Chain, network: string): boolean =>
  (networksByChain[chain] as ReadonlyArray<string>).includes(network)

export const WalletStatus = Schema.Literal("ACTIVE", "TERMINATED")
export type WalletStatus = typeof WalletStatus.Type

/** Trimmed, 1..100 characters, no control characters: it ends up in configs, logs and UI. */
export const WalletName = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => "name must not be empty" }),
  Schema.maxLength(100, { message: () => "name must be at most 100 characters" }),
  Schema.pattern(/^[^\p{Cc}\p{Cs}]*$/u, { message: () => "name must not contain control characters or lone surrogates" })
)

/** The key under which MCP clients know this wallet's server; fixed at first provisioning. */
export const ServerName = Schema.String.pipe(Schema.pattern(/^waiaas-[a-z0-9-]{1,25}$/))

export class Wallet extends Schema.Class<Wallet>("Wallet")({
  id: WalletId,
  name: Schema.String,
  chain: Chain,
  network: Schema.String,
  status: WalletStatus,
  serverName: Schema.NullOr(Schema.String),
  createdAt: EpochSeconds,
  updatedAt: EpochSeconds
}) {}

export const CreateWalletInput = Schema.Struct({
  name: WalletName,
  chain: Schema.optional(Chain),
  network: Schema.optional(Schema.String.pipe(Schema.maxLength(32)))
}).annotations({ identifier: "CreateWalletInput" })
export type CreateWalletInput = typeof CreateWalletInput.Type

export const RenameWalletInput = Schema.Struct({ name: WalletName }).annotations({ identifier: "RenameWalletInput" })
export type RenameWalletInput = typeof RenameWalletInput.Type
