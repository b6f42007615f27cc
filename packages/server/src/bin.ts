#!/usr/bin/env node
import { Command, ValidationError } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { VERSION } from "@waiaas/domain"
import { Effect, Logger } from "effect"
import { startDaemon } from "./cli/Start.js"

const start = Command.make("start", {}, () => startDaemon({ env: process.env })).pipe(
  Command.withDescription("Start the daemon on 127.0.0.1 (data in WAIAAS_DATA_DIR, default ~/.waiaas)")
)

const waiaas = Command.make("waiaas").pipe(
  Command.withDescription("WAIaaS: wallets for AI agents, with scoped, expiring session tokens"),
  Command.withSubcommands([start])
)

const cli = Command.run(waiaas, { name: "waiaas", version: VERSION })

/** Expected failures are one clear line on stderr and exit code 1; only defects print a cause. */
const reportFailure = (error: unknown) =>
  Effect.sync(() => {
    const message = error instanceof Error || (typeof error === "object" && error !== null && "message" in error)
      ? String((error as { message: unknown }).message)
      : String(error)
    process.stderr.write(`waiaas: ${message}\n`)
    process.exitCode = 1
  })

cli(process.argv).pipe(
  // @effect/cli has already printed what was wrong with the arguments
  Effect.catchIf(ValidationError.isValidationError, () => Effect.sync(() => void (process.exitCode = 1))),
  Effect.catchAll(reportFailure),
  Effect.provide(NodeContext.layer),
  Effect.provide(Logger.logFmt),
  NodeRuntime.runMain({ disablePrettyLogger: true })
)
