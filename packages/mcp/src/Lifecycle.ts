import { Effect } from "effect"

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const

/**
 * Completes, with the reason, when this server should exit: its MCP client closed our stdin (it quit, or
 * crashed: the pipe closes either way, so no orphan survives it), stdout broke, or a signal arrived.
 */
export const untilShutdown = (
  stdin: NodeJS.ReadableStream = process.stdin,
  stdout: NodeJS.WritableStream = process.stdout
): Effect.Effect<string> =>
  Effect.async<string>((resume) => {
    let done = false
    const handlers: Array<readonly [string, () => void]> = []
    const finish = (why: string) => () => {
      if (done) return
      done = true
      resume(Effect.succeed(why))
    }
    const onStdinEnd = finish("stdin closed")
    const onStdoutError = finish("stdout closed")
    stdin.once("end", onStdinEnd)
    stdin.once("close", onStdinEnd)
    stdout.once("error", onStdoutError)
    for (const signal of SIGNALS) {
      const handler = finish(`received ${signal}`)
      handlers.push([signal, handler])
      process.once(signal, handler)
    }
    return Effect.sync(() => {
      stdin.off("end", onStdinEnd)
      stdin.off("close", onStdinEnd)
      stdout.off("error", onStdoutError)
      for (const [signal, handler] of handlers) process.off(signal, handler)
    })
  })
