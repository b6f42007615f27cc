import { HttpApiError } from "@effect/platform"
import {
  type checkMasterPassword,
  checkMasterPasswordWhile,
  InvalidJson,
  McpGroup,
  McpTokenRequest,
  McpTokenResponse,
  previewProvisioning,
  type ProvisioningPreview,
  provisionMcpToken,
  refuseWhileLocked
} from "@waiaas/domain"
import { Clock, Effect, Either, Redacted, Runtime, Schema } from "effect"
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
type ProvisioningError = Effect.Effect.Error<ReturnType<typeof provisionMcpToken>>
type ProvisioningContext = Effect.Effect.Context<ReturnType<typeof provisionMcpToken>>
const decodePayload = Schema.decodeUnknown(McpTokenRequest) // the endpoint's payload schema
const encodeSuccess = Schema.encode(McpTokenResponse) // and its success schema

/**
 * `POST /v1/mcp/tokens`, the headline request, answered before the HTTP app as SessionFastPath answers
 * GET /v1/session: the same steps in HttpApi's order, each with the contract's own schemas and the programs
 * HttpApi runs — the body's JSON depth (the request policy), masterAuth, the payload, provisionMcpToken,
 * the success encoding — and the same error answers, headers and log line. What it skips is HttpApi's
 * router, middleware chain and fibers (250-340 µs of main-thread time per request on the bench's VM) and
 * the request policy's second look at the body. What it does differently: the payload is decoded, and the
 * answer's client config rendered (previewProvisioning), while argon2 checks the password
 * (checkMasterPasswordWhile), in time the event loop would spend idle; their outcome counts only after the
 * password's, so every answer is still HttpApi's.
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
      | ProvisioningContext
      | Effect.Effect.Context<ReturnType<typeof checkMasterPassword> | ReturnType<typeof previewProvisioning>>
    >()
  )

  const answer = (body: string, password: string, requestId: string) => {
    if (nestedDeeperThan(body, MAX_JSON_DEPTH)) return Effect.succeed(errorAnswer(InvalidJson, requestId, TOO_DEEP))
    // masterAuth: the program MasterAuthLive serves to HttpApi, which runs it before decoding the payload.
    // The payload is read meanwhile, but its errors count only after the password's, as in HttpApi.
    return checkMasterPasswordWhile(Redacted.make(password), readPayload(body, requestId)).pipe(
      Effect.flatMap(Either.match({
        onLeft: (refused): Effect.Effect<Answer, ProvisioningError, ProvisioningContext> => Effect.succeed(refused),
        onRight: ({ payload, preview }) =>
          provisionMcpToken(payload.walletId, payload.expiresIn, preview).pipe(
            Effect.flatMap((provisioned) => Effect.orDie(encodeSuccess(provisioned))),
            Effect.map((encoded): Answer => ({ status: 201, body: encoded }))
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

interface ReadPayload {
  readonly payload: typeof McpTokenRequest.Type
  readonly preview: ProvisioningPreview
}

/**
 * The payload, as HttpApi decodes it — or the 400 it answers — and the preview of provisioning's answer
 * (previewProvisioning). Run while argon2 checks the password: it reads and changes nothing.
 */
const readPayload = (
  body: string,
  requestId: string
): Effect.Effect<
  Either.Either<ReadPayload, Answer>,
  never,
  Effect.Effect.Context<ReturnType<typeof previewProvisioning>>
> =>
  Effect.suspend(() => {
    let json: unknown
    try {
      // As @effect/platform-node reads a request's JSON: an empty body is null.
      json = body === "" ? null : JSON.parse(body)
    } catch {
      return Effect.succeed(Either.left(errorAnswer(InvalidJson, requestId, NOT_JSON)))
    }
    return decodePayload(json).pipe(
      Effect.matchEffect({
        onFailure: (error) =>
          Effect.map(
            HttpApiError.HttpApiDecodeError.fromParseError(error),
            (decodeError) => Either.left(validationFailedAnswer(decodeError.issues, requestId))
          ),
        onSuccess: (payload) =>
          Effect.map(previewProvisioning(payload.walletId), (preview) => Either.right({ payload, preview }))
      })
    )
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
