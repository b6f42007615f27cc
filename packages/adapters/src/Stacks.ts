import { DaemonSettings, type DaemonSettingsShape, MasterPasswordThrottle, TokenFileRepairs, WalletLocks } from "@waiaas/domain"
import { Layer } from "effect"
import * as path from "node:path"
import { EventLogMemory } from "./EventLog/Memory.js"
import { EventLogSqlite } from "./EventLog/Sqlite.js"
import { IdGeneratorSequential } from "./IdGenerator/Sequential.js"
import { IdGeneratorUuidV7 } from "./IdGenerator/UuidV7.js"
import { JwtSecretsSqlite } from "./JwtSecrets/Sqlite.js"
import { MasterPasswordStoreMemory } from "./MasterPasswordStore/Memory.js"
import { MasterPasswordStoreSqlite } from "./MasterPasswordStore/Sqlite.js"
import { MemoryStore } from "./MemoryStore.js"
import { forwardAfterCommit } from "./Notifier/Forwarding.js"
import { NotifierMemory } from "./Notifier/Memory.js"
import { NotifierSqlite } from "./Notifier/Sqlite.js"
import { type Argon2Params, PasswordHasherArgon2, productionArgon2Params } from "./PasswordHasher/Argon2.js"
import { PasswordHasherMemory } from "./PasswordHasher/Memory.js"
import { SessionRepoMemory } from "./SessionRepo/Memory.js"
import { SessionRepoSqlite } from "./SessionRepo/Sqlite.js"
import { SqliteLive } from "./Sql/SqliteLive.js"
import { TokenFilesMemory } from "./TokenFiles/Memory.js"
import { TokenFilesNode } from "./TokenFiles/NodeFs.js"
import { TokenSignerJose } from "./TokenSigner/Jose.js"
import { TokenSignerMemory } from "./TokenSigner/Memory.js"
import { TransactionMemory } from "./Transaction/Memory.js"
import { TransactionSqlite } from "./Transaction/Sqlite.js"
import { WalletRepoMemory } from "./WalletRepo/Memory.js"
import { WalletRepoSqlite } from "./WalletRepo/Sqlite.js"
import { type WebhookOptions, withWebhookLive } from "./Webhook/Webhook.js"

/** Where the daemon keeps its files inside the data dir. */
export const dataDirLayout = (dataDir: string) => ({
  database: path.join(dataDir, "waiaas.db"),
  tokenDir: path.join(dataDir, "mcp-tokens"),
  lockFile: path.join(dataDir, "daemon.lock"),
  configFile: path.join(dataDir, "config.toml")
})

/** Every domain port, in memory: fast, deterministic, for layer-swapped tests. */
export const MemoryStack = (settings: DaemonSettingsShape) =>
  Layer.mergeAll(
    WalletRepoMemory,
    SessionRepoMemory,
    TransactionMemory,
    MasterPasswordStoreMemory,
    NotifierMemory,
    EventLogMemory,
    TokenSignerMemory
  ).pipe(
    Layer.provide(MemoryStore.layer),
    // Shared with the layers above (the notifier takes its event ids, the signer its settings) and provided.
    Layer.provideMerge(Layer.mergeAll(
      TokenFilesMemory(dataDirLayout(settings.dataDir).tokenDir),
      PasswordHasherMemory,
      IdGeneratorSequential,
      WalletLocks.layer,
      TokenFileRepairs.layer,
      MasterPasswordThrottle.layer,
      Layer.succeed(DaemonSettings, settings)
    ))
  )

export interface SqliteStackOptions {
  readonly settings: DaemonSettingsShape
  /** Defaults to the production parameters; tests pass cheap ones. */
  readonly argon2?: Argon2Params
  /** Forward every event to this webhook too (notifications.webhook_url). */
  readonly webhook?: WebhookOptions | undefined
}

/** Every domain port, for real: SQLite file (the audit log included), jose, argon2, the node filesystem. */
export const SqliteStack = (options: SqliteStackOptions) => {
  const layout = dataDirLayout(options.settings.dataDir)
  return Layer.mergeAll(
    WalletRepoSqlite,
    SessionRepoSqlite,
    TransactionSqlite,
    MasterPasswordStoreSqlite,
    TokenSignerJose.pipe(Layer.provide(JwtSecretsSqlite)),
    options.webhook === undefined
      ? NotifierSqlite
      : forwardAfterCommit(withWebhookLive(options.webhook)).pipe(Layer.provide(NotifierSqlite)),
    EventLogSqlite
  ).pipe(
    Layer.provide(SqliteLive(layout.database)),
    // Shared with the layers above (the notifier takes its event ids, the signer its settings) and provided.
    Layer.provideMerge(Layer.mergeAll(
      TokenFilesNode(layout.tokenDir),
      PasswordHasherArgon2(options.argon2 ?? productionArgon2Params),
      IdGeneratorUuidV7,
      WalletLocks.layer,
      TokenFileRepairs.layer,
      MasterPasswordThrottle.layer,
      Layer.succeed(DaemonSettings, options.settings)
    ))
  )
}
