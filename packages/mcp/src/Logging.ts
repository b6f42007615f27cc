import { Cause, Logger } from "effect"

/**
 * Logs go to stderr, one line each: stdout carries the MCP protocol and nothing else. MCP clients keep a
 * server's stderr (Claude Desktop: `mcp-server-<name>.log`). No log line ever contains a token.
 */
export const stderrLogger = Logger.make(({ cause, date, logLevel, message }) => {
  const text = Array.isArray(message) ? message.map(String).join(" ") : String(message)
  const detail = Cause.isEmpty(cause) ? "" : `\n${Cause.pretty(cause)}`
  process.stderr.write(`${date.toISOString()} waiaas-mcp ${logLevel.label} ${text}${detail}\n`)
})

export const StderrLoggerLive = Logger.replace(Logger.defaultLogger, stderrLogger)
