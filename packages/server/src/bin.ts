#!/usr/bin/env node
import { Command, Options, ValidationError } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { McpClientId, VERSION } from "@waiaas/domain"
import { Effect } from "effect"
import { BatchedLogFmt } from "./BatchedLogFmt.js"

// Each command's code is loaded when it runs: the daemon's stack (SQLite, argon2, …) is not needed by the
// other commands, nor their HTTP client (undici) and config editing by the daemon, which starts faster and
// smaller without them.
const httpClient = Effect.promise(() => import("@effect/platform-node/NodeHttpClient"))

const start = Command.make("start", {}, () =>
  Effect.flatMap(Effect.promise(() => import("./cli/Start.js")), ({ startDaemon }) => startDaemon({ env: process.env }))).pipe(
  Command.withDescription("Start the daemon on 127.0.0.1 (data in WAIAAS_DATA_DIR, default ~/.waiaas)")
)

const statusCommand = Command.make("status", {}, () =>
  Effect.gen(function*() {
    const [{ status }, { layerUndici }] = yield* Effect.all([Effect.promise(() => import("./cli/Status.js")), httpClient])
    return yield* status(process.env).pipe(Effect.provide(layerUndici))
  })).pipe(
    Command.withDescription(
      "Show whether the daemon runs (version, uptime, data dir), its wallets, and the MCP tokens with their expiry. " +
        "The daemon is found at WAIAAS_BASE_URL, else at daemon.hostname:daemon.port of the config."
    )
  )

const setupOptions = {
  wallet: Options.text("wallet").pipe(
    Options.withDescription("The wallet to set up, by id or name (case-insensitive); needed when there are several"),
    Options.optional
  ),
  all: Options.boolean("all").pipe(Options.withDescription("Set up every active wallet; one combined snippet")),
  expiresIn: Options.integer("expires-in").pipe(
    Options.withDescription("Token lifetime in seconds, 300 to 604800 (default: the daemon's security.session_ttl)"),
    Options.optional
  ),
  client: Options.choice("client", McpClientId.literals).pipe(
    Options.withDescription("The MCP client to configure"),
    Options.withDefault("claude-desktop" as const)
  ),
  install: Options.boolean("install").pipe(
    Options.withDescription(
      "Merge the server into the client's config file (other servers kept, the old file backed up, written atomically)"
    )
  )
}

const setup = Command.make("setup", setupOptions, (options) =>
  Effect.gen(function*() {
    const [{ mcpSetup }, { layerUndici }] = yield* Effect.all([Effect.promise(() => import("./cli/McpSetup.js")), httpClient])
    return yield* mcpSetup({ ...options, env: process.env }).pipe(Effect.provide(layerUndici))
  })).pipe(
    Command.withDescription(
      "Provision an MCP token (POST /v1/mcp/tokens) and print the client's config, or --install it. " +
        "Master password from WAIAAS_MASTER_PASSWORD, WAIAAS_MASTER_PASSWORD_FILE, or a hidden prompt."
    )
  )

const mcp = Command.make("mcp").pipe(
  Command.withDescription("Connect MCP clients (Claude Desktop, Cursor, VS Code, Codex, …) to a wallet"),
  Command.withSubcommands([setup])
)

const waiaas = Command.make("waiaas").pipe(
  Command.withDescription("WAIaaS: wallets for AI agents, with scoped, expiring session tokens"),
  Command.withSubcommands([start, statusCommand, mcp])
)

const cli = Command.run(waiaas, { name: "waiaas", version: VERSION })

/** The error's own message; failing that (e.g. a ServeError), its cause's, e.g. "listen EADDRINUSE …". */
const messageOf = (error: unknown): string => {
  if (typeof error !== "object" || error === null) return String(error)
  const message = "message" in error ? String(error.message) : ""
  if (message !== "") return message
  if ("cause" in error && error.cause !== undefined) return messageOf(error.cause)
  return "_tag" in error ? String(error._tag) : String(error)
}

/** Expected failures are one clear line on stderr and exit code 1; only defects print a cause. */
const reportFailure = (error: unknown) =>
  Effect.sync(() => {
    process.stderr.write(`waiaas: ${messageOf(error)}\n`)
    process.exitCode = 1
  })

cli(process.argv).pipe(
  // @effect/cli has already printed what was wrong with the arguments
  Effect.catchIf(ValidationError.isValidationError, () => Effect.sync(() => void (process.exitCode = 1))),
  Effect.catchAll(reportFailure),
  Effect.provide(NodeContext.layer),
  Effect.provide(BatchedLogFmt),
  NodeRuntime.runMain({ disablePrettyLogger: true })
)
