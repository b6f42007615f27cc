import { isUuidV7, type Wallet, WalletId } from "@waiaas/domain"
import { Data, Either, Option } from "effect"

// Which wallets `waiaas mcp setup` provisions: `--wallet <id|name>`, `--all`, or the only active wallet.
// Pure: it sees the daemon's wallet list and decides; the daemon has the last word on each wallet.

export class WalletSelectionFailed extends Data.TaggedError("WalletSelectionFailed")<{ readonly message: string }> {}

export interface WalletChoice {
  readonly wallet: Option.Option<string>
  readonly all: boolean
}

export interface SelectedWallet {
  readonly id: WalletId
  /** None for an id the list does not hold: the daemon will say what it makes of it. */
  readonly name: Option.Option<string>
}

const selected = (wallet: Wallet): SelectedWallet => ({ id: wallet.id, name: Option.some(wallet.name) })

/** Wallets in the order people look for them: by name, ignoring case (then by id). */
export const byName = (wallets: ReadonlyArray<Wallet>): ReadonlyArray<Wallet> =>
  [...wallets].sort((a, b) => a.name.localeCompare(b.name, "en", { sensitivity: "base" }) || a.id.localeCompare(b.id))

/** One line per wallet, by name, names aligned: `  main      0193…-…  solana/devnet`. */
export const walletLines = (wallets: ReadonlyArray<Wallet>): ReadonlyArray<string> => {
  const width = Math.max(0, ...wallets.map((w) => w.name.length))
  return byName(wallets).map((w) =>
    `  ${w.name.padEnd(width)}  ${w.id}  ${w.chain}/${w.network}${w.status === "ACTIVE" ? "" : `  (${w.status.toLowerCase()})`}`
  )
}

/** How to make a first wallet, without ever spelling out the password (the shell expands the variable). */
export const howToCreateWallet = (baseUrl: string): string =>
  [
    `Create one in the Admin UI (${baseUrl}/admin) or with:`,
    `  curl -X POST ${baseUrl}/v1/wallets -H 'Content-Type: application/json' \\`,
    `    -H "X-Master-Password: $WAIAAS_MASTER_PASSWORD" -d '{"name":"main"}'`,
    "then run this command again."
  ].join("\n")

const failed = (lines: ReadonlyArray<string>) => Either.left(new WalletSelectionFailed({ message: lines.join("\n") }))

/** `--wallet`: an id exactly (case aside), else a name ignoring case; an active wallet wins a name tie. */
const byIdOrName = (
  wallets: ReadonlyArray<Wallet>,
  wanted: string
): Either.Either<ReadonlyArray<SelectedWallet>, WalletSelectionFailed> => {
  const id = wanted.trim().toLowerCase()
  const byId = wallets.find((w) => w.id === id)
  if (byId !== undefined) return Either.right([selected(byId)])

  const named = wallets.filter((w) => w.name.toLowerCase() === wanted.trim().toLowerCase())
  const candidates = named.length > 1 ? named.filter((w) => w.status === "ACTIVE") : named
  if (candidates.length === 1) return Either.right([selected(candidates[0]!)])
  if (candidates.length > 1 || named.length > 1) {
    const listed = candidates.length > 1 ? candidates : named
    return failed([`${listed.length} wallets are named "${wanted}" — choose one by id with --wallet <id>:`, ...walletLines(listed)])
  }
  // An id we have not listed: let the daemon answer for it (WALLET_NOT_FOUND and its hint).
  if (isUuidV7(id)) return Either.right([{ id: WalletId.make(id), name: Option.none() }])
  return failed(
    wallets.length === 0
      ? [`No wallet has the id or name "${wanted}"; there are no wallets yet.`]
      : [`No wallet has the id or name "${wanted}". The wallets are:`, ...walletLines(wallets)]
  )
}

export const selectWallets = (
  wallets: ReadonlyArray<Wallet>,
  choice: WalletChoice,
  baseUrl: string
): Either.Either<ReadonlyArray<SelectedWallet>, WalletSelectionFailed> => {
  if (choice.all && Option.isSome(choice.wallet)) {
    return failed(["--wallet and --all exclude each other: name one wallet, or use --all for every active wallet"])
  }
  if (Option.isSome(choice.wallet)) return byIdOrName(wallets, choice.wallet.value)

  const active = byName(wallets.filter((w) => w.status === "ACTIVE"))
  if (active.length === 0) {
    return failed([wallets.length === 0 ? "There are no wallets yet." : "There are no active wallets.", howToCreateWallet(baseUrl)])
  }
  if (choice.all || active.length === 1) return Either.right(active.map(selected))
  return failed([
    `There are ${active.length} active wallets — choose one with --wallet <id|name>, or use --all:`,
    ...walletLines(active)
  ])
}
