// What the two reference servers share: JSON answers as the daemon gives them (status, Content-Length,
// X-Request-Id, no caching), and listening until SIGTERM/SIGINT.
import { randomUUID } from "node:crypto"

export const send = (res, status, body) => {
  const json = JSON.stringify(body)
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(json),
    "x-request-id": randomUUID(),
    "cache-control": "no-store"
  })
  res.end(json)
}

export const fail = (res, status, code, message = code) => send(res, status, { code, message, retryable: false })

/** Listens on 127.0.0.1:`port`, prints "reference listening on <port>"; on SIGTERM/SIGINT closes, then `onClose`. */
export const serve = (server, port, onClose) => {
  server.listen(port, "127.0.0.1", () => process.stdout.write(`reference listening on ${server.address().port}\n`))
  const stop = () => {
    server.close(() => (onClose(), process.exit(0)))
    server.closeAllConnections()
  }
  process.on("SIGTERM", stop)
  process.on("SIGINT", stop)
}
