import { type Argon2Params, dataDirLayout, loadDaemonConfig, SqliteStack, toDaemonSettings } from "@waiaas/adapters"
import { ensureMasterPassword } from "@waiaas/domain"
import { Effect, Layer, Logger, LogLevel } from "effect"
import { AdminStaticLive, defaultAdminRoot } from "../http/AdminStatic.js"
import { HttpAppLive, HttpServerLive } from "../http/Http.js"
import { MaintenanceLive } from "../Maintenance.js"
import { bundledMcpServer } from "./BundledMcpServer.js"
import { acquireDataDirLock, ensureDataDir, resolveDataDir } from "./DataDir.js"
import { resolveMasterPassword } from "./MasterPasswordSource.js"

const logLevels = {
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warning: LogLevel.Warning,
  error: LogLevel.Error
} as const

export interface StartOptions {
  readonly env: Record<string, string | undefined>
  /** Test-only: cheaper argon2 parameters. */
  readonly argon2?: Argon2Params
}

/**
 * `waiaas start`: data dir (0700) and its lock, config, master password (checked against the stored hash
 * before anything listens), then the HTTP server on loopback until SIGINT/SIGTERM, when in-flight requests
 * finish and the database closes.
 */
export const startDaemon = (options: StartOptions) =>
  Effect.gen(function*() {
    // Everything the daemon creates (database, WAL, token files) is for this user only.
    process.umask(0o077)
    const dataDir = resolveDataDir(options.env)
    yield* ensureDataDir(dataDir)
    const layout = dataDirLayout(dataDir)
    const lock = yield* acquireDataDirLock(dataDir, layout.lockFile)
    const config = yield* loadDaemonConfig(dataDir, options.env)
    const mcpServer = bundledMcpServer()
    const settings = toDaemonSettings(config, dataDir, mcpServer)
    const password = yield* resolveMasterPassword(options.env)

    const serve = Effect.gen(function*() {
      const outcome = yield* ensureMasterPassword(password)
      yield* Effect.logInfo(outcome === "created" ? "Master password set for this data directory" : "Master password verified")
      if (!mcpServer.built && config.mcp.command === undefined) {
        yield* Effect.logWarning(`The MCP server is not built (${mcpServer.args[0]}); run \`npm run build\` before pasting a snippet`)
      }
      yield* Layer.build(MaintenanceLive({
        repairAllAtStart: lock.previousShutdown === "unclean",
        onStop: (workLeft) => lock.stopsClean(!workLeft)
      }))
      const server = HttpServerLive({ port: config.daemon.port, host: config.daemon.hostname })
      const adminUi = AdminStaticLive(defaultAdminRoot(), {
        inactivityTimeoutSeconds: config.daemon.admin_timeout,
        rotationGracePeriodSeconds: config.security.rotation_grace_period
      })
      // Provided to the app, so that its routes exist before `serve` builds the router.
      yield* Layer.build(HttpAppLive.pipe(Layer.provide(adminUi), Layer.provide(server)))
      yield* Effect.logInfo(`WAIaaS daemon listening on ${settings.baseUrl} (data: ${dataDir})`)
      // Added last, so run first on SIGINT/SIGTERM: the log shows when the stop began, before the drain.
      yield* Effect.addFinalizer(() => Effect.logInfo("Stopping: in-flight requests finish, then the database closes"))
      return yield* Effect.never
    })
    // The server's own scope closes (waiting for in-flight requests) before the stack's (the database).
    return yield* serve.pipe(
      Effect.scoped,
      Effect.provide(SqliteStack({
        settings,
        ...(options.argon2 === undefined ? {} : { argon2: options.argon2 }),
        webhook: config.notifications.webhook_url === undefined ? undefined : {
          url: config.notifications.webhook_url,
          ...(config.notifications.ntfy_topic === undefined ? {} : { topic: config.notifications.ntfy_topic })
        }
      })),
      // After the stack's scope has closed: every request answered, the database checkpointed and closed.
      Effect.onInterrupt(() => Effect.logInfo("WAIaaS daemon stopped")),
      Logger.withMinimumLogLevel(logLevels[config.daemon.log_level])
    )
  }).pipe(Effect.scoped)
