import { errorBody, type ErrorSpec, HeadersTooLarge, MalformedRequest, RequestTimeout } from "@waiaas/domain"
import { randomUUID } from "node:crypto"
import * as http from "node:http"
import type { Duplex } from "node:stream"

const reasonPhrase = (status: number) => http.STATUS_CODES[status] ?? "Error"

const clientErrorSpec = (code: string | undefined): ErrorSpec =>
  code === "HPE_HEADER_OVERFLOW"
    ? HeadersTooLarge.spec
    : code === "ERR_HTTP_REQUEST_TIMEOUT"
    ? RequestTimeout.spec
    : MalformedRequest.spec

/**
 * The node:http server under the daemon. Requests without a Host header reach our Host guard (Node would
 * answer them with a bare 400), and requests Node cannot parse at all still get the JSON error shape.
 */
export const createHttpServer = (): http.Server => {
  const server = http.createServer({ requireHostHeader: false, maxHeaderSize: 16 * 1024 })
  server.headersTimeout = 10_000
  server.requestTimeout = 30_000
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) return socket.destroy()
    const spec = clientErrorSpec(error.code)
    const body = JSON.stringify(errorBody(spec, { message: `Malformed HTTP request (${reasonPhrase(spec.status)})` }, randomUUID()))
    socket.end(
      `HTTP/1.1 ${spec.status} ${reasonPhrase(spec.status)}\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
    )
  })
  return server
}
