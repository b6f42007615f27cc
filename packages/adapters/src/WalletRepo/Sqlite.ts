import { SqlClient, SqlSchema } from "@effect/sql"
import { Chain, EpochSeconds, Wallet, WalletId, WalletRepo, WalletStatus } from "@waiaas/domain"
import { Effect, Layer, Schema } from "effect"
import { retryBusy } from "../Sql/SqliteLive.js"
import { findByIdOutsideTransactions, SqliteReader } from "../Sql/SqliteReader.js"

const WalletRow = Schema.Struct({
    id: WalletId,
    name: Schema.String,
    chain: Chain,
    network: Schema.String,
    status: WalletStatus,
    server_name: Schema.NullOr(Schema.String),
    created_at: EpochSeconds,
    updated_at: EpochSeconds
})

/**
 * The Wallet a row holds. Unchecked (the transform below checks its output; SqliteReader rows are trusted):
 * every row was encoded from a valid Wallet on its way in, into a STRICT table whose CHECKs pin the rest.
 */
const walletFromRow = (row: typeof WalletRow.Type): Wallet =>
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

/** A `wallets` row, decoded into a Wallet and encoded back; the one place that knows the column names. */
const WalletFromRow = Schema.transform(
  WalletRow,
  Schema.typeSchema(Wallet),
  {
    strict: true,
    decode: (row) => walletFromRow(row),
    encode: (wallet) => ({
      id: wallet.id,
      name: wallet.name,
      chain: wallet.chain,
      network: wallet.network,
      status: wallet.status,
      server_name: wallet.serverName,
      created_at: wallet.createdAt,
      updated_at: wallet.updatedAt
    })
  }
)

const encodeRow = Schema.encode(WalletFromRow)

export const WalletRepoSqlite: Layer.Layer<WalletRepo, never, SqlClient.SqlClient | SqliteReader> = Layer.effect(
  WalletRepo,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const reader = yield* SqliteReader
    const findById = SqlSchema.findOne({
      Request: WalletId,
      Result: WalletFromRow,
      execute: (id) => sql`SELECT * FROM wallets WHERE id = ${id}`
    })
    const list = SqlSchema.findAll({
      Request: Schema.Void,
      Result: WalletFromRow,
      execute: () => sql`SELECT * FROM wallets ORDER BY created_at DESC, id DESC`
    })

    return WalletRepo.of({
      // A duplicate id or server name violates a constraint: a defect, the caller checks first.
      insert: Effect.fn("WalletRepoSqlite.insert")(function*(wallet) {
        const row = yield* encodeRow(wallet)
        yield* sql`INSERT INTO wallets ${sql.insert(row)}`
      }, retryBusy, Effect.orDie),
      // Every agent request reads its wallet: untraced, and off SqliteReader outside transactions.
      findById: findByIdOutsideTransactions({
        reader,
        table: "wallets",
        fromRow: walletFromRow,
        inTransaction: (id: WalletId) => findById(id).pipe(retryBusy, Effect.orDie)
      }),
      list: list(undefined).pipe(retryBusy, Effect.orDie, Effect.withSpan("WalletRepoSqlite.list")),
      update: Effect.fn("WalletRepoSqlite.update")(function*(wallet) {
        const row = yield* encodeRow(wallet)
        yield* sql`UPDATE wallets SET ${sql.update(row, ["id"])} WHERE id = ${row.id}`
      }, retryBusy, Effect.orDie),
      isServerNameTaken: Effect.fn("WalletRepoSqlite.isServerNameTaken")(function*(serverName) {
        const rows = yield* sql<{ readonly taken: number }>`
          SELECT EXISTS (SELECT 1 FROM wallets WHERE server_name = ${serverName}) AS taken`
        return rows[0]?.taken === 1
      }, retryBusy, Effect.orDie)
    })
  })
)
