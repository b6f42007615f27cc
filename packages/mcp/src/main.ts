#!/usr/bin/env node
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js"
import { Cause, Effect, Either, Layer, Runtime } from "effect"
import { DaemonClientLive } from "./DaemonClientLive.js"
import { untilShutdown } from "./Lifecycle.js"
import { StderrLoggerLive } from "./Logging.js"
import { makeMcpServer } from "./Server.js"
import { describeConfigProblems, parseServerConfig, ServerConfig } from "./ServerConfig.js"
import { TokenFileLive } from "./TokenFileLive.js"
import { TokenSource, TokenSourceLive } from "./TokenSource.js"
import { internalErrorResult } from "./ToolResults.js"
import { type ToolRequirements, tools } from "./Tools.js"

// stdout belongs to the MCP protocol: a stray console.log from any library would corrupt it.
console.log = console.info = console.debug = console.error

const parsed = parseServerConfig(process.env)
if (Either.isLeft(parsed)) {
  process.stderr.write(`${describeConfigProblems(parsed.left)}\n`)
  process.exit(1)
}
const config = parsed.right

const program = Effect.gen(function*() {
  const runtime = yield* Effect.runtime<ToolRequirements>()
  const server = makeMcpServer(config, tools, (run) =>
    Runtime.runPromise(runtime)(
      run.pipe(
        Effect.catchAllCause((cause) =>
          Effect.as(Effect.logError("A tool failed unexpectedly", cause), internalErrorResult(String(Cause.squash(cause))))
        )
      )
    ))

  // Connect first, read the token after: `initialize` never waits on the disk (the original's BUG-011).
  yield* Effect.promise(() => server.connect(new StdioServerTransport()))
  yield* Effect.logInfo(
    `WAIaaS MCP server for wallet ${config.walletName} (${config.walletId}) ready; daemon ${config.baseUrl}, ` +
      `token file ${config.tokenPath}.`
  )
  yield* Effect.forkScoped((yield* TokenSource).run)

  const why = yield* untilShutdown()
  yield* Effect.logInfo(`Exiting: ${why}.`)
  yield* Effect.promise(() => server.close().catch(() => undefined))
})

const MainLive = TokenSourceLive.pipe(
  Layer.provideMerge(Layer.mergeAll(TokenFileLive, DaemonClientLive)),
  Layer.provideMerge(Layer.succeed(ServerConfig, config))
)

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(MainLive), Effect.provide(StderrLoggerLive))).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`waiaas-mcp stopped on an unexpected error: ${String(error)}\n`)
    process.exit(1)
  }
)
