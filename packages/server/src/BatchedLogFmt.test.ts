import { describe, expect, it } from "@effect/vitest"
import { Effect, Logger } from "effect"
import { makeBatchedLogger } from "./BatchedLogFmt.js"
import { RequestLine } from "./RequestLine.js"

const nextTurn = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

describe("BatchedLogFmt", () => {
  it.live("writes the lines of one turn of the event loop in one write, in logfmt, in order", () =>
    Effect.gen(function*() {
      const writes: Array<string> = []
      const { logger } = makeBatchedLogger((text) => writes.push(text))
      const log = (message: string) =>
        Effect.logInfo(message).pipe(Effect.annotateLogs({ requestId: message }), Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
      yield* log("first")
      yield* log("second")
      expect(writes).toEqual([]) // not yet: written after this turn
      yield* nextTurn
      expect(writes).toHaveLength(1)
      const lines = writes[0]!.split("\n")
      expect(lines).toHaveLength(3) // two lines and the final newline
      expect(lines[0]).toMatch(/^timestamp=\S+ level=INFO fiber=#\d+ message=first requestId=first$/)
      expect(lines[1]).toMatch(/ message=second requestId=second$/)
      expect(lines[2]).toBe("")
      yield* log("third")
      yield* nextTurn
      expect(writes).toHaveLength(2)
      expect(writes[1]).toMatch(/ message=third requestId=third\n$/)
    }))

  it.live("flush writes what is pending at once, and nothing twice", () =>
    Effect.gen(function*() {
      const writes: Array<string> = []
      const { flush, logger } = makeBatchedLogger((text) => writes.push(text))
      yield* Effect.logWarning("closing").pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
      flush()
      expect(writes).toHaveLength(1)
      expect(writes[0]).toMatch(/level=WARN .*message=closing\n$/)
      yield* nextTurn
      flush()
      expect(writes).toHaveLength(1)
    }))

  it.live("renders a request line as logfmt would render the same fields as annotations", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const { flush, logger } = makeBatchedLogger((text) => lines.push(...text.trimEnd().split("\n")))
      const withLogger = Effect.provide(Logger.replace(Logger.defaultLogger, logger))
      const fields = { method: "GET", path: "/v1/a b=\"c\"", status: 401, durationMs: 3, requestId: "req-1" }
      yield* Effect.logInfo(new RequestLine(fields.method, fields.path, fields.status, fields.durationMs, fields.requestId))
        .pipe(withLogger)
      yield* Effect.logInfo("request").pipe(Effect.annotateLogs(fields), withLogger)
      flush()
      const pairsOf = (line: string) =>
        line.replace(/^timestamp=\S+ level=INFO fiber=#\d+ /, "").match(/\w+=("(?:[^"\\]|\\.)*"|\S*)/g)!.sort()
      expect(lines).toHaveLength(2)
      expect(pairsOf(lines[0]!)).toEqual(pairsOf(lines[1]!))
      expect(lines[0]).toContain(`path=${JSON.stringify(fields.path)}`)
      expect(String(new RequestLine("GET", "/x", 200, 1, "r"))).toBe("message=request method=GET path=/x status=200 durationMs=1 requestId=r")
    }))
})
