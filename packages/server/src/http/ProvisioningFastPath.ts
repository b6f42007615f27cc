import { HttpApiError } from "@effect/platform"
import {
  checkMasterPassword,
  InvalidJson,
  McpGroup,
  McpTokenRequest,
  McpTokenResponse,
  provisionMcpToken,
  refuseWhileLocked
} from "@waiaas/domain"
import { Clock, Effect, Redacted, Runtime, Schema } from "effect"
import type * as http from "node:http"
import { type Answer, declaredErrorAnswer, errorAnswer, isWireError, validationFailedAnswer } from "./ErrorResponse.js"
import type { PreRoute } from "./NodeServer.js"
import {
  answerDirectly,
  isAllowedHost,
  MAX_BODY_BYTES,
  MAX_JSON_DEPTH,
  nestedDeeperThan,
  NOT_JSON,
  requestIdFrom,
  TOO_DEEP,
  unexpectedFailure
} from "./RequestPolicy.js"

const endpoint = McpGroup.endpoints.provision
const decodePayload = Schema.decodeUnknown(McpTokenRequest) // the endpoint's payload schema
const encodeSuccess = Schema.encode(McpTokenResponse) // and its success schema

/**
 * `POST /v1/mcp/tokens`, the headline request, answered before the HTTP app as SessionFastPath answers
 * GET /v1/session: the same steps in HttpApi's order, each with the contract's own schemas and the programs
 * HttpApi runs — the body's JSON depth (the request policy), masterAuth, the payload, provisionMcpToken,
 * the success encoding — and the same error answers, headers and log line. What it skips is HttpApi's
 * router, middleware chain and fibers (250-340 µs of main-thread time per request on the bench's VM) and
 * the request policy's second look at the body.
 *
 * It claims only the plainest form of the request: exactly `POST /v1/mcp/tokens`, an allowed Host, an
 * X-Master-Password header, a JSON body of declared length within the limit, one X-Request-Id at most.
 * During a masterAuth lockout it answers those with the 429 first, before the body is read, as
 * MasterLockoutFastPath does for the other routes (it comes first, so that lockout check is made once).
 * Everything else goes on to HttpApi; a test sends each request to a server with this and one without,
 * and compares the answers.
 */
export const makeProvisioningFastPath = Effect.gen(function*() {
  const run = Runtime.runCallback(
    yield* Effect.runtime<
      Effect.Effect.Context<ReturnType<typeof provisionMcpToken> | ReturnType<typeof checkMasterPassword>>
    >()
  )

  const answer = (body: string, password: string, requestId: string) => {
    if (nestedDeeperThan(body, MAX_JSON_DEPTH)) return Effect.succeed(errorAnswer(InvalidJson, requestId, TOO_DEEP))
    // masterAuth: the program MasterAuthLive serves to HttpApi, which runs it before decoding the payload.
    return checkMasterPassword(Redacted.make(password)).pipe(
      Effect.zipRight(Effect.suspend(() => {
        let json: unknown
        try {
          // As @effect/platform-node reads a request's JSON: an empty body is null.
          json = body === "" ? null : JSON.parse(body)
        } catch {
          return Effect.succeed(errorAnswer(InvalidJson, requestId, NOT_JSON))
        }
        return decodePayload(json).pipe(
          Effect.matchEffect({
            onFailure: (error) =>
              Effect.map(HttpApiError.HttpApiDecodeError.fromParseError(error), (decodeError) =>
                validationFailedAnswer(decodeError.issues, requestId)),
            onSuccess: (payload) =>
              provisionMcpToken(payload.walletId, payload.expiresIn).pipe(
                Effect.flatMap((provisioned) => Effect.orDie(encodeSuccess(provisioned))),
                Effect.map((encoded): Answer => ({ status: 201, body: encoded }))
              )
          })
        )
      })),
      Effect.catchAll((error): Effect.Effect<Answer> =>
        isWireError(error) ? Effect.succeed(declaredErrorAnswer(error, requestId)) : Effect.die(error)
      ),
      Effect.catchAllCause((cause) => unexpectedFailure(cause, requestId))
    )
  }

  const respond = (request: http.IncomingMessage, response: http.ServerResponse) => {
    const requestId = requestIdFrom(request.headers["x-request-id"] as string | undefined)
    const password = request.headers["x-master-password"] as string
    // Timed from here, before the body is read, as the request policy times HttpApi's requests.
    return Effect.flatMap(Clock.currentTimeMillis, (startedAt) =>
      refuseWhileLocked.pipe(
        Effect.zipRight(bodyOf(request)),
        Effect.flatMap((body) => answer(body, password, requestId)),
        // During a lockout, the 429 comes before the body is read, as MasterLockoutFastPath gives it.
        Effect.catchTag("MasterPasswordLocked", (locked) => Effect.succeed(declaredErrorAnswer(locked, requestId))),
        Effect.flatMap((answered) => answerDirectly(request, response, answered, requestId, startedAt))
      ))
  }

  return ((request, response) => {
    if (!isPlainProvisioning(request)) return false
    run(respond(request, response))
    return true
  }) satisfies PreRoute
})

/**
 * The request body as text. Node stops at the declared length; a client that hangs up before it is never
 * answered (nor would HttpApi answer it), and the effect never completes.
 */
const bodyOf = (request: http.IncomingMessage) =>
  Effect.async<string>((resume) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.once("end", () => resume(Effect.succeed(Buffer.concat(chunks).toString("utf8"))))
  })

/** The one form of the request claimed: see makeProvisioningFastPath. */
const isPlainProvisioning = (request: http.IncomingMessage): boolean => {
  const { headers } = request
  if (request.method !== "POST" || request.url !== endpoint.path || !isAllowedHost(headers.host)) return false
  if (typeof headers["x-master-password"] !== "string" || Array.isArray(headers["x-request-id"])) return false
  if (headers["transfer-encoding"] !== undefined || headers["content-length"] === undefined) return false
  if (Number(headers["content-length"]) > MAX_BODY_BYTES) return false
  // As HttpApi reads it: missing or empty means JSON.
  const contentType = (headers["content-type"] || "application/json").toLowerCase().trim()
  return contentType.includes("application/json") && !contentType.includes("multipart/form-data")
}
