import {
  HttpApiBuilder,
  HttpApiError,
  HttpApp,
  HttpMethod,
  HttpServerError,
  HttpServerRequest,
  HttpServerResponse
} from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { CurrentRequestId, HostNotAllowed, InternalError, InvalidJson, PayloadTooLarge, RouteNotFound } from "@waiaas/domain"
import { randomUUID } from "node:crypto"
import type * as http from "node:http"
import { Cause, Clock, Effect, FiberRef, Layer, Option } from "effect"
import { globalValue } from "effect/GlobalValue"
import { RequestLine } from "../RequestLine.js"
import {
  type Answer,
  declaredErrorAnswer,
  errorAnswer,
  errorResponse,
  isWireError,
  toResponse,
  validationFailedAnswer
} from "./ErrorResponse.js"

/** Largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024

/** Hosts a browser may legitimately use to reach a loopback daemon; anything else is DNS rebinding. */
const ALLOWED_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"])

export const isAllowedHost = (host: string | undefined): boolean => {
  if (host === undefined) return false
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0]!
  const port = host.slice(name.length)
  return ALLOWED_HOSTS.has(name.toLowerCase()) && (port === "" || /^:\d{1,5}$/.test(port))
}

/** A session token, or anything shaped like a JWT: what a careless client may put where it gets logged. */
const TOKEN_LIKE = /wai_sess_[A-Za-z0-9._-]*|eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9._-]*/g

/** `text` with every token-like run replaced, for log lines. */
const redactTokens = (text: string): string => text.replace(TOKEN_LIKE, "[redacted]")

/**
 * A caller's request id is echoed (and logged) only if it is short and plain, so it cannot forge log
 * lines, and does not look like a token.
 */
export const requestIdFrom = (header: string | undefined): string =>
  header !== undefined && /^[A-Za-z0-9._:-]{1,128}$/.test(header) && redactTokens(header) === header ? header : randomUUID()

/** When the request under way arrived, for its log line (set with its id, see CurrentRequestId). */
const RequestStartedAt = globalValue(Symbol.for("waiaas/RequestStartedAt"), () => FiberRef.unsafeMake(0))

/**
 * Every request passes here before and after HttpApi: request id, Host guard, body limit, one JSON error
 * shape for what HttpApi leaves empty (decode failures, unknown routes, malformed JSON, defects), security
 * headers and a request log line without query string, password or token (`finalizeResponse`).
 *
 * `layer` is an HttpApiBuilder.serve(). The response part is installed once for the server rather than
 * appended by each request.
 */
export const withRequestPolicy = <A, E, R>(layer: Layer.Layer<A, E, R>) =>
  Layer.locally(layer.pipe(Layer.provide(requestPolicy)), HttpApp.currentPreResponseHandlers, Option.some(finalizeResponse))

/** The request part: written without Effect.gen and with nothing but checks on the common path. */
const requestPolicy = HttpApiBuilder.middleware((app): HttpApp.Default<never, HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const requestId = requestIdFrom(request.headers["x-request-id"])
    // FiberRef.set, not Effect.locally: declared errors are encoded, and the response finalized, after this
    // middleware returns.
    const begin = Effect.zipRight(
      FiberRef.set(CurrentRequestId, requestId),
      Effect.flatMap(Clock.currentTimeMillis, (now) => FiberRef.set(RequestStartedAt, now))
    )
    return Effect.zipRight(begin, guarded(app, request, requestId))
  })
)

const guarded = <E, R>(
  app: HttpApp.Default<E, R>,
  request: HttpServerRequest.HttpServerRequest,
  requestId: string
) => {
  if (!isAllowedHost(request.headers.host)) {
    return Effect.succeed(errorResponse(HostNotAllowed, requestId, `Host '${request.headers.host ?? ""}' is not allowed`))
  }
  const declaredLength = request.headers["content-length"]
  if (declaredLength !== undefined && Number(declaredLength) > MAX_BODY_BYTES) {
    return Effect.succeed(tooLarge(requestId))
  }
  const handled = (forwarded: HttpServerRequest.HttpServerRequest) =>
    Effect.catchAllCause(
      // never touch `app` itself: it is shared by every request
      forwarded === request ? app : Effect.provideService(app, HttpServerRequest.HttpServerRequest, forwarded),
      (cause) => mapCause(cause, requestId)
    )
  if (!HttpMethod.hasBody(request.method)) return handled(request)
  return Effect.gen(function*() {
    let forwarded = request
    if (declaredLength === undefined && request.headers["transfer-encoding"] !== undefined) {
      const body = yield* readCapped(request)
      if (Option.isNone(body)) return tooLarge(requestId)
      const rebuilt = Option.liftThrowable(withBody)(request, body.value)
      // The body is drained now, so the original request cannot go on: only a method or target that fetch
      // cannot express (TRACE, a malformed URL) ends here, and no route of ours serves those.
      if (Option.isNone(rebuilt)) return errorResponse(RouteNotFound, requestId, `No route for ${request.method} ${pathOf(request.url)}`)
      forwarded = rebuilt.value
    }
    const unreadable = yield* unreadableBody(forwarded)
    if (Option.isSome(unreadable)) return errorResponse(InvalidJson, requestId, unreadable.value)
    return yield* handled(forwarded)
  })
}

/** JSON nested deeper is refused before decoding: our bodies are flat, and describing a decode failure of a
 * value nested thousands deep overflows the stack. */
export const MAX_JSON_DEPTH = 32

/**
 * Bodies HttpApi would read into a defect (an empty 500) rather than a decode failure: multipart (which
 * we never accept, and whose parser throws on a bad boundary) and JSON nested deeper than MAX_JSON_DEPTH.
 * The body text is cached by the request, so the handler reads it again for free.
 */
const unreadableBody = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function*() {
    // The content type exactly as HttpApi reads it: missing or empty means JSON.
    const contentType = (request.headers["content-type"] || "application/json").toLowerCase().trim()
    if (contentType.includes("multipart/form-data")) {
      return Option.some("Request bodies are JSON (Content-Type: application/json); multipart is not accepted")
    }
    if (!contentType.includes("application/json")) return Option.none<string>()
    const text = yield* Effect.option(request.text) // a body that cannot be read fails again, and is answered, later
    return Option.isSome(text) && nestedDeeperThan(text.value, MAX_JSON_DEPTH)
      ? Option.some(TOO_DEEP)
      : Option.none<string>()
  })

/** INVALID_JSON's message for a body nested deeper than MAX_JSON_DEPTH. */
export const TOO_DEEP = `JSON nested deeper than ${MAX_JSON_DEPTH} levels`

/** Whether brackets and braces (outside strings) nest deeper than `max`; the JSON need not be valid. */
export const nestedDeeperThan = (text: string, max: number): boolean => {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return false
}

const tooLarge = (requestId: string) =>
  errorResponse(
    PayloadTooLarge,
    requestId,
    `Request body exceeds ${MAX_BODY_BYTES} bytes`,
    { limit: MAX_BODY_BYTES },
    { connection: "close" }
  )

/** Reads a chunked body up to the limit; none when it is larger (the rest is not read). */
const readCapped = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.async<Option.Option<Buffer>>((resume) => {
    const incoming = NodeHttpServerRequest.toIncomingMessage(request)
    const chunks: Array<Buffer> = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        cleanup()
        incoming.pause()
        resume(Effect.succeed(Option.none()))
      } else chunks.push(chunk)
    }
    const onEnd = () => {
      cleanup()
      resume(Effect.succeed(Option.some(Buffer.concat(chunks))))
    }
    const cleanup = () => {
      incoming.off("data", onData)
      incoming.off("end", onEnd)
      incoming.off("error", onEnd)
    }
    incoming.on("data", onData)
    incoming.on("end", onEnd)
    incoming.on("error", onEnd)
    return Effect.sync(cleanup)
  })

/**
 * The request again, with its (already read) body. Throws for what a fetch Request cannot carry: the
 * methods it forbids (TRACE, TRACK, CONNECT) and a target that is no URL. GET and HEAD keep no body.
 */
const withBody = (request: HttpServerRequest.HttpServerRequest, body: Buffer) =>
  HttpServerRequest.fromWeb(
    new Request(new URL(request.url, `http://${request.headers.host}`), {
      method: request.method,
      headers: Object.entries(request.headers).filter(([name]) => name !== "transfer-encoding"),
      body: request.method === "GET" || request.method === "HEAD" ? null : body
    })
  )

/** INVALID_JSON's message for a body that JSON.parse refuses. */
export const NOT_JSON = "Request body is not valid JSON"

/** What a request that failed unexpectedly is told: 500, the cause is logged under its request id. */
export const unexpectedFailure = (cause: Cause.Cause<unknown>, requestId: string): Effect.Effect<Answer> =>
  Effect.as(
    Effect.logError("Request failed with an unexpected error", cause),
    errorAnswer(InternalError, requestId, "Internal error; see the daemon log for this request id")
  )

const mapCause = <E>(cause: Cause.Cause<E>, requestId: string): Effect.Effect<HttpServerResponse.HttpServerResponse, E> => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    if (error instanceof HttpApiError.HttpApiDecodeError) {
      return Effect.succeed(toResponse(validationFailedAnswer(error.issues, requestId), requestId))
    }
    if (HttpServerError.isServerError(error) && error._tag === "RouteNotFound") {
      return Effect.succeed(errorResponse(RouteNotFound, requestId, `No route for ${error.request.method} ${pathOf(error.request.url)}`))
    }
    if (HttpServerError.isServerError(error) && error._tag === "RequestError") {
      return Effect.succeed(errorResponse(InvalidJson, requestId, "Request body could not be read"))
    }
    if (isWireError(error)) return Effect.succeed(toResponse(declaredErrorAnswer(error, requestId), requestId))
    return Effect.failCause(cause)
  }
  const defect = Cause.dieOption(cause)
  if (Option.isSome(defect) && HttpServerError.isServerError(defect.value) && defect.value._tag === "RequestError") {
    return Effect.succeed(errorResponse(InvalidJson, requestId, NOT_JSON))
  }
  if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause)
  return Effect.map(unexpectedFailure(cause, requestId), (answer) => toResponse(answer, requestId))
}

export const pathOf = (url: string): string => {
  const query = url.indexOf("?")
  return query === -1 ? url : url.slice(0, query)
}

/** Runs on every response, including those HttpApi made empty: request id, headers, log line. */
const finalizeResponse = (
  request: HttpServerRequest.HttpServerRequest,
  response: HttpServerResponse.HttpServerResponse
) =>
  Effect.flatMap(FiberRef.get(CurrentRequestId), (requestId) => {
    let out = response
    if (out.status >= 400 && out.body._tag === "Empty") {
      out = errorResponse(InternalError, requestId, `Request failed with status ${out.status}`)
        .pipe(HttpServerResponse.setStatus(out.status))
    }
    out = HttpServerResponse.setHeaders(out, securityHeaders(requestId, out.headers["cache-control"]))
    return Effect.as(
      Effect.flatMap(FiberRef.get(RequestStartedAt), (startedAt) => logRequest(request.method, request.url, out.status, requestId, startedAt)),
      out
    )
  })

/** The headers every answer carries. */
export const securityHeaders = (requestId: string, cacheControl?: string) => ({
  "x-request-id": requestId,
  "x-content-type-options": "nosniff",
  // API answers carry tokens and must never be cached; static assets say otherwise themselves.
  "cache-control": cacheControl ?? "no-store"
})

/**
 * A JSON answer written straight to node's response, by the pre-routes (http/*FastPath.ts): the headers every
 * answer carries, then the request's log line, as finalizeResponse gives HttpApi's answers.
 */
export const answerDirectly = (
  request: http.IncomingMessage,
  response: http.ServerResponse,
  answer: Answer,
  requestId: string,
  startedAt: number
) => {
  const json = JSON.stringify(answer.body)
  response.writeHead(answer.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(json),
    ...answer.headers,
    ...securityHeaders(requestId)
  })
  response.end(json)
  return logRequest(request.method!, request.url!, answer.status, requestId, startedAt)
}

/** The request's log line (a RequestLine message: see there why not annotations). */
export const logRequest = (method: string, url: string, status: number, requestId: string, startedAt: number) =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    // a token put in the path by mistake stays out of the log
    Effect.logInfo(new RequestLine(method, redactTokens(pathOf(url)), status, now - startedAt, requestId)))
