import type { Chain, WalletId, WalletStatus } from "@waiaas/domain"
import { Wallet, WalletRepo } from "@waiaas/domain"
import { Effect, Layer, Option } from "effect"
import { SqliteDatabase, type SqlParam } from "../Sql/SqliteDatabase.js"

/** A `wallets` row; the one place that knows the column names. */
interface WalletRow {
  readonly id: WalletId
  readonly name: string
  readonly chain: Chain
  readonly network: string
  readonly status: WalletStatus
  readonly server_name: string | null
  readonly created_at: number
  readonly updated_at: number
}

/**
 * The Wallet a row holds, unchecked: every row was written from a valid Wallet, into a STRICT table whose
 * CHECKs pin the rest.
 */
const walletFromRow = (row: WalletRow): Wallet =>
  new Wallet({
    id: row.id,
    name: row.name,
    chain: row.chain,
    network: row.network,
    status: row.status,
    serverName: row.server_name,
    createdAt: row.created_at,
    updatedAt: row.updated_at
  }, true)

/** Every column but the id, in the order of `fieldsOf`. */
const COLUMNS = "name, chain, network, status, server_name, created_at, updated_at"
const fieldsOf = (wallet: Wallet): Array<SqlParam> => [
  wallet.name,
  wallet.chain,
  wallet.network,
  wallet.status,
  wallet.serverName,
  wallet.createdAt,
  wallet.updatedAt
]

export const WalletRepoSqlite: Layer.Layer<WalletRepo, never, SqliteDatabase> = Layer.effect(
  WalletRepo,
  Effect.map(SqliteDatabase, (db) =>
    WalletRepo.of({
      // A duplicate id or server name violates a constraint: a defect, the caller checks first.
      insert: (wallet) =>
        Effect.asVoid(db.execute(`INSERT INTO wallets (id, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
          wallet.id,
          ...fieldsOf(wallet)
        ])),
      findById: (id) => Effect.map(db.queryFirst<WalletRow>("SELECT * FROM wallets WHERE id = ?", [id]), Option.map(walletFromRow)),
      list: Effect.map(
        db.query<WalletRow>("SELECT * FROM wallets ORDER BY created_at DESC, id DESC"),
        (rows) => rows.map(walletFromRow)
      ),
      update: (wallet) =>
        Effect.asVoid(db.execute(
          `UPDATE wallets SET (${COLUMNS}) = (?, ?, ?, ?, ?, ?, ?) WHERE id = ?`,
          [...fieldsOf(wallet), wallet.id]
        )),
      isServerNameTaken: (serverName) =>
        Effect.map(
          db.queryFirst<{ readonly taken: number }>(
            "SELECT EXISTS (SELECT 1 FROM wallets WHERE server_name = ?) AS taken",
            [serverName]
          ),
          (row) => Option.isSome(row) && row.value.taken === 1
        )
    }))
)
