import { Cause, Effect, FiberId, HashMap, Layer, List, Logger } from "effect"
import { RequestLine } from "./RequestLine.js"

/**
 * Logger.logfmtLogger, with a short way for the request line: a lone RequestLine message without cause,
 * annotations or spans is rendered straight from its fields, to the same logfmt.
 */
const logfmt = Logger.make<unknown, string>((options) => {
  const message = Array.isArray(options.message) && options.message.length === 1 ? options.message[0] : options.message
  return message instanceof RequestLine && Cause.isEmpty(options.cause) && HashMap.isEmpty(options.annotations) &&
      List.isNil(options.spans)
    ? `timestamp=${options.date.toISOString()} level=${options.logLevel.label} fiber=${FiberId.threadName(options.fiberId)} ${message.pairs()}`
    : Logger.logfmtLogger.log(options)
})

/**
 * A logger that renders lines as `Logger.logFmt` does (see logfmt) and hands them to `write` in batches: once per turn
 * of the event loop, and at once on `flush`. Under load the daemon logs a line per request, and one write
 * per line costs more than the request.
 */
export const makeBatchedLogger = (write: (text: string) => void) => {
  const pending: Array<string> = []
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending.length === 0) return
    const text = `${pending.join("\n")}\n`
    pending.length = 0
    write(text)
  }
  const logger = Logger.map(logfmt, (line) => {
    pending.push(line)
    if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  })
  return { logger, flush }
}

/**
 * Logger.logFmt on stdout, batched. What is pending is written when the program's scope closes and when
 * the process exits, so only a SIGKILL can lose lines: those of the last turn of the event loop.
 */
export const BatchedLogFmt: Layer.Layer<never> = Layer.unwrapScoped(Effect.gen(function*() {
  const { flush, logger } = makeBatchedLogger((text) => process.stdout.write(text))
  yield* Effect.acquireRelease(
    Effect.sync(() => process.on("exit", flush)),
    () => Effect.sync(() => (process.off("exit", flush), flush()))
  )
  return Logger.replace(Logger.defaultLogger, logger)
}))
