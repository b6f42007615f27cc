import { Effect } from "effect"
import * as net from "node:net"
import { type RawRequest, rawRequest, type RawResponse } from "../../testing/TestDaemon.js"

/** One request over a fresh connection (TestDaemon's rawRequest, as a promise). Rejects on transport errors. */
export const request = (port: number, req: RawRequest): Promise<RawResponse> => Effect.runPromise(rawRequest(port, req))

/** Like `request`, but a transport error (daemon killed, connection refused) is a value, not a rejection. */
export const attempt = (port: number, req: RawRequest): Promise<RawResponse | { readonly transportError: string }> =>
  request(port, req).catch((error: NodeJS.ErrnoException) => ({ transportError: error.code ?? error.message }))

export interface RawReply {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export type RawOutcome =
  | { readonly _tag: "Reply"; readonly reply: RawReply }
  | { readonly _tag: "NoReply"; readonly reason: string; readonly received: number }

const HEAD_END = Buffer.from("\r\n\r\n")

/** Decodes a chunked body; undefined while it is incomplete. */
const dechunk = (data: Buffer): Buffer | undefined => {
  const parts: Array<Buffer> = []
  let offset = 0
  while (true) {
    const lineEnd = data.indexOf("\r\n", offset)
    if (lineEnd === -1) return undefined
    const size = Number.parseInt(data.subarray(offset, lineEnd).toString("latin1"), 16)
    if (!Number.isFinite(size)) return Buffer.alloc(0)
    if (size === 0) return Buffer.concat(parts)
    if (data.length < lineEnd + 2 + size + 2) return undefined
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size))
    offset = lineEnd + 2 + size + 2
  }
}

/** The first final (non-1xx) response in `data`, once it is complete. */
const parseReply = (data: Buffer, isHead: boolean): RawReply | undefined => {
  let start = 0
  while (true) {
    const headEnd = data.indexOf(HEAD_END, start)
    if (headEnd === -1) return undefined
    const lines = data.subarray(start, headEnd).toString("latin1").split("\r\n")
    const status = Number.parseInt(lines[0]?.split(" ")[1] ?? "", 10)
    const headers: Record<string, string> = {}
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":")
      const name = line.slice(0, colon).trim().toLowerCase()
      const value = line.slice(colon + 1).trim()
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`
    }
    const bodyStart = headEnd + HEAD_END.length
    if (status >= 100 && status < 200 && status !== 101) {
      start = bodyStart // an interim response (100 Continue): the final one follows
      continue
    }
    if (isHead || status === 204 || status === 304) return { status, headers, body: "" }
    const rest = data.subarray(bodyStart)
    if (headers["transfer-encoding"]?.toLowerCase().includes("chunked")) {
      const body = dechunk(rest)
      return body === undefined ? undefined : { status, headers, body: body.toString("utf8") }
    }
    if (headers["content-length"] !== undefined) {
      const length = Number.parseInt(headers["content-length"], 10)
      return rest.length < length ? undefined : { status, headers, body: rest.subarray(0, length).toString("utf8") }
    }
    return undefined // read until close
  }
}

/**
 * Writes `bytes` as they are onto a fresh connection (nothing validated or added: any method, any header,
 * any framing) and reads the first final response. The connection is closed as soon as the response is
 * complete. No response at all (reset, close, or nothing within `timeoutMs`) is a NoReply.
 */
export const sendRaw = (
  port: number,
  bytes: Buffer,
  options: { readonly isHead?: boolean; readonly timeoutMs?: number } = {}
): Promise<RawOutcome> =>
  new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1")
    const chunks: Array<Buffer> = []
    let received = 0
    let settled = false
    const finish = (outcome: RawOutcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolve(outcome)
    }
    const tryParse = (final: boolean) => {
      const data = Buffer.concat(chunks)
      const reply = parseReply(data, options.isHead === true)
      if (reply !== undefined) return finish({ _tag: "Reply", reply })
      if (final) {
        // A response without length, read until close.
        const headEnd = data.indexOf(HEAD_END)
        if (headEnd !== -1) {
          const status = Number.parseInt(data.subarray(0, headEnd).toString("latin1").split(" ")[1] ?? "", 10)
          return finish({ _tag: "Reply", reply: { status, headers: {}, body: data.subarray(headEnd + 4).toString("utf8") } })
        }
        finish({ _tag: "NoReply", reason: "closed", received })
      }
    }
    const timer = setTimeout(() => finish({ _tag: "NoReply", reason: "timeout", received }), options.timeoutMs ?? 15_000)
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk)
      received += chunk.length
      tryParse(false)
    })
    socket.on("end", () => tryParse(true))
    socket.on("close", () => tryParse(true))
    // A reset after the response was sent (we were still writing a body it refused) is no failure.
    socket.on("error", () => tryParse(true))
    socket.on("connect", () => socket.write(bytes))
  })

/** The requestId-carrying JSON error body every non-2xx response must have. */
export const errorShapeProblem = (status: number, body: string): string | undefined => {
  let json: any
  try {
    json = JSON.parse(body)
  } catch {
    return `status ${status} with a body that is not JSON: ${JSON.stringify(body.slice(0, 120))}`
  }
  if (
    typeof json !== "object" || json === null || typeof json.code !== "string" || typeof json.message !== "string" ||
    typeof json.requestId !== "string" || json.requestId === "" || typeof json.retryable !== "boolean"
  ) {
    return `status ${status} without the error shape: ${body.slice(0, 200)}`
  }
  return undefined
}
