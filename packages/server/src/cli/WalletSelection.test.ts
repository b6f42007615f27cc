import { describe, expect, it } from "@effect/vitest"
import { Wallet, type WalletId, WalletId as WalletIdSchema } from "@waiaas/domain"
import { Either, Option } from "effect"
import { selectWallets } from "./WalletSelection.js"

const id = (n: number): WalletId => WalletIdSchema.make(`01936b2e-1c4d-7a00-8000-${String(n).padStart(12, "0")}`)

const wallet = (n: number, name: string, status: "ACTIVE" | "TERMINATED" = "ACTIVE") =>
  new Wallet({
    id: id(n),
    name,
    chain: "solana",
    network: "devnet",
    status,
    serverName: null,
    createdAt: 0,
    updatedAt: 0
  })

const BASE = "http://127.0.0.1:3100"
const none = { wallet: Option.none(), all: false }
const pick = (wallets: ReadonlyArray<Wallet>, choice: { wallet: Option.Option<string>; all: boolean }) =>
  selectWallets(wallets, choice, BASE)
const ids = (result: ReturnType<typeof pick>) => Either.getOrThrow(result).map((w) => w.id)
const message = (result: ReturnType<typeof pick>) => Either.flip(result).pipe(Either.getOrThrow).message

describe("selectWallets", () => {
  it("picks the only active wallet", () => {
    expect(ids(pick([wallet(1, "old", "TERMINATED"), wallet(2, "main")], none))).toEqual([id(2)])
  })

  it("lists the active wallets when there are several and no --wallet", () => {
    expect(message(pick([wallet(1, "main"), wallet(2, "trading"), wallet(3, "gone", "TERMINATED")], none))).toBe(
      [
        "There are 2 active wallets — choose one with --wallet <id|name>, or use --all:",
        `  main     ${id(1)}  solana/devnet`,
        `  trading  ${id(2)}  solana/devnet`
      ].join("\n")
    )
  })

  it("says how to create a wallet when there is none, without spelling out a password", () => {
    const text = message(pick([], none))
    expect(text.split("\n")[0]).toBe("There are no wallets yet.")
    expect(text).toContain(`${BASE}/admin`)
    expect(text).toContain(`curl -X POST ${BASE}/v1/wallets`)
    expect(text).toContain("X-Master-Password: $WAIAAS_MASTER_PASSWORD")
    expect(message(pick([wallet(1, "gone", "TERMINATED")], { wallet: Option.none(), all: true }))).toMatch(
      /^There are no active wallets\./
    )
  })

  it("--all takes every active wallet", () => {
    expect(ids(pick([wallet(1, "a"), wallet(2, "b", "TERMINATED"), wallet(3, "c")], { wallet: Option.none(), all: true })))
      .toEqual([id(1), id(3)])
  })

  it("--wallet matches an id exactly, or a name ignoring case", () => {
    const wallets = [wallet(1, "Main"), wallet(2, "Trading Bot")]
    expect(ids(pick(wallets, { wallet: Option.some(id(2)), all: false }))).toEqual([id(2)])
    expect(ids(pick(wallets, { wallet: Option.some(id(2).toUpperCase()), all: false }))).toEqual([id(2)])
    expect(ids(pick(wallets, { wallet: Option.some("trading bot"), all: false }))).toEqual([id(2)])
  })

  it("--wallet with an ambiguous name lists the candidates; an active one wins over a terminated one", () => {
    const wallets = [wallet(1, "main"), wallet(2, "MAIN"), wallet(3, "bot", "TERMINATED"), wallet(4, "Bot")]
    expect(message(pick(wallets, { wallet: Option.some("Main"), all: false }))).toBe(
      [`2 wallets are named "Main" — choose one by id with --wallet <id>:`, `  main  ${id(1)}  solana/devnet`, `  MAIN  ${id(2)}  solana/devnet`]
        .join("\n")
    )
    expect(ids(pick(wallets, { wallet: Option.some("bot"), all: false }))).toEqual([id(4)])
  })

  it("--wallet with an unknown name lists the wallets; an unknown id is left to the daemon", () => {
    expect(message(pick([wallet(1, "main")], { wallet: Option.some("nope"), all: false }))).toBe(
      `No wallet has the id or name "nope". The wallets are:\n  main  ${id(1)}  solana/devnet`
    )
    expect(Either.getOrThrow(pick([wallet(1, "main")], { wallet: Option.some(id(9)), all: false }))).toEqual([
      { id: id(9), name: Option.none() }
    ])
  })

  it("--wallet and --all together are refused", () => {
    expect(message(pick([wallet(1, "main")], { wallet: Option.some("main"), all: true }))).toMatch(/exclude each other/)
  })
})
