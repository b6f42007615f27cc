import { errorBody, type ErrorSpec, HeadersTooLarge, MalformedRequest, RequestTimeout, RouteNotFound } from "@waiaas/domain"
import { randomUUID } from "node:crypto"
import * as http from "node:http"
import * as net from "node:net"
import type { Duplex } from "node:stream"

const reasonPhrase = (status: number) => http.STATUS_CODES[status] ?? "Error"

const clientErrorSpec = (code: string | undefined): ErrorSpec =>
  code === "HPE_HEADER_OVERFLOW"
    ? HeadersTooLarge.spec
    : code === "ERR_HTTP_REQUEST_TIMEOUT"
    ? RequestTimeout.spec
    : MalformedRequest.spec

/** Answers a request itself (true), or leaves it to the HTTP app (false, having touched nothing). */
export type PreRoute = (request: http.IncomingMessage, response: http.ServerResponse) => boolean

type RequestObserver = (request: http.IncomingMessage, response: http.ServerResponse) => void

/**
 * Node's server with one change to its dispatch: every request is shown to the observers, then offered to
 * `preRoute`, and only if that declines emitted to the 'request' listeners (the HTTP app's). Node has no
 * way to answer a request before a listener added later, and NodeHttpServer adds its own.
 */
class PreRoutedServer extends http.Server {
  constructor(
    options: http.ServerOptions,
    private readonly observers: ReadonlyArray<RequestObserver>,
    private readonly preRoute: PreRoute
  ) {
    super(options)
  }

  override emit(event: string | symbol, ...args: Array<any>): boolean {
    if (event === "request") {
      const [request, response] = args as [http.IncomingMessage, http.ServerResponse]
      for (const observe of this.observers) observe(request, response)
      if (this.preRoute(request, response)) return true
    }
    return super.emit(event as string, ...args)
  }
}

/**
 * The node:http server under the daemon. Requests without a Host header reach our Host guard (Node would
 * answer them with a bare 400), and requests Node cannot parse at all still get the JSON error shape.
 * `preRoute` may answer requests before the HTTP app (see PreRoutedServer).
 */
export const createHttpServer = (options: { readonly preRoute?: PreRoute } = {}): http.Server => {
  // The response under way on each socket (Node answers one request of a connection after the other).
  const answering = new WeakMap<Duplex, http.ServerResponse>()
  const trackAnswering: RequestObserver = (request, response) => {
    answering.set(request.socket, response)
    response.once("close", () => {
      if (answering.get(request.socket) === response) answering.delete(request.socket)
    })
  }
  const shutdown = quietConnectionsClosedOnShutdown()
  const server = new PreRoutedServer(
    { requireHostHeader: false, maxHeaderSize: 16 * 1024 },
    [trackAnswering, shutdown.observe],
    options.preRoute ?? (() => false)
  )
  server.headersTimeout = 10_000
  server.requestTimeout = 30_000
  shutdown.install(server)
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) return socket.destroy()
    // Bytes after a complete request that are no request (pipelined junk) while that request is still
    // being answered: answer it, then close. An error written now would come before its response and end
    // the socket under it, and that response, never finished, would keep its request's fiber forever.
    const pending = answering.get(socket)
    if (pending !== undefined) {
      if (!pending.headersSent) pending.shouldKeepAlive = false
      pending.once("close", () => socket.end())
      return releaseWhenDone(socket)
    }
    const spec = clientErrorSpec(error.code)
    answerRaw(socket, spec, `Malformed HTTP request (${reasonPhrase(spec.status)})`)
  })
  // Upgrade (WebSocket, h2c) and CONNECT requests leave Node's HTTP handling with their socket, and we
  // serve neither. Once answered (the HTTP app answers upgrades; CONNECT is answered here, or Node would
  // drop it without a word), whatever else the client sends is read and dropped, so that its close is
  // noticed and the socket released: unread, a request body kept the socket open for good.
  server.on("upgrade", (_request: http.IncomingMessage, socket: Duplex) => releaseWhenDone(socket))
  server.on("connect", (request: http.IncomingMessage, socket: Duplex) => {
    answerRaw(socket, RouteNotFound.spec, `No route for CONNECT ${request.url ?? ""}`.slice(0, 200))
    releaseWhenDone(socket)
  })
  return server
}

/** How long a socket taken out of HTTP handling may sit idle before it is closed. */
const DETACHED_SOCKET_IDLE_MS = 10_000

const releaseWhenDone = (socket: Duplex) => {
  socket.resume()
  if (socket instanceof net.Socket) socket.setTimeout(DETACHED_SOCKET_IDLE_MS, () => socket.destroy())
}

/** A JSON error written straight onto the socket, which is then closed. */
const answerRaw = (socket: Duplex, spec: ErrorSpec, message: string) => {
  if (!socket.writable) return socket.destroy()
  const body = JSON.stringify(errorBody(spec, { message }, randomUUID()))
  socket.end(
    `HTTP/1.1 ${spec.status} ${reasonPhrase(spec.status)}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  )
}

/**
 * On `close()`, Node stops accepting and ends idle keep-alive connections, but a connection that has not
 * sent a request yet (browsers open such spare sockets) holds the shutdown for up to ~40 s. So every
 * connection without a request in flight is ended at once, and the others as soon as their response is
 * sent: in-flight requests still finish.
 */
const quietConnectionsClosedOnShutdown = () => {
  const inFlight = new Map<Duplex, number>()
  let closing = false
  const observe: RequestObserver = (request, response) => {
    const socket = request.socket
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1)
    response.once("close", () => {
      const left = (inFlight.get(socket) ?? 1) - 1
      inFlight.set(socket, left)
      if (closing && left === 0) socket.destroy()
    })
  }
  const install = (server: http.Server) => {
    server.on("connection", (socket: Duplex) => {
      inFlight.set(socket, 0)
      socket.once("close", () => inFlight.delete(socket))
    })
    const close = server.close.bind(server)
    server.close = (callback?: (error?: Error) => void) => {
      closing = true
      close(callback)
      for (const [socket, requests] of inFlight) if (requests === 0) socket.destroy()
      return server
    }
  }
  return { observe, install }
}
