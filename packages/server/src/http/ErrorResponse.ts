import { HttpServerResponse } from "@effect/platform"
import { type ApiErrorClass, type ErrorDetails, errorBody, ValidationFailed } from "@waiaas/domain"

/**
 * A JSON answer before it is sent: as an HttpApi response (`toResponse`), or written straight to node's
 * response by a pre-route (`answerDirectly`). One description, so that both paths answer alike.
 */
export interface Answer {
  readonly status: number
  readonly body: unknown
  readonly headers?: Record<string, string> | undefined
}

type WireError = { readonly message: string; readonly details?: ErrorDetails | undefined }

/** The error body that `wire` gives declared errors, for `cls`. */
export const errorAnswer = <A extends WireError>(
  cls: ApiErrorClass<A>,
  requestId: string,
  message: string,
  details?: ErrorDetails,
  headers?: Record<string, string>
): Answer => ({
  status: cls.spec.status,
  body: errorBody(cls.spec, details === undefined ? { message } : { message, details }, requestId),
  headers
})

/** An error whose class declares its wire spec (Errors.ts): every domain and auth error. */
export const isWireError = (error: unknown): error is WireError & { readonly constructor: ApiErrorClass<WireError> } =>
  typeof error === "object" && error !== null && typeof (error.constructor as { spec?: unknown }).spec === "object"

/**
 * A declared error's answer (an instance of a class from Errors.ts, see isWireError); its `retryAfter` also
 * becomes a Retry-After header.
 */
export const declaredErrorAnswer = (error: WireError, requestId: string): Answer => {
  const retryAfter = error.details?.retryAfter
  return errorAnswer(
    error.constructor as ApiErrorClass<WireError>,
    requestId,
    error.message,
    error.details,
    typeof retryAfter === "number" ? { "retry-after": String(retryAfter) } : undefined
  )
}

/** 400 VALIDATION_FAILED for a request that does not match its schema; the message names the first issue. */
export const validationFailedAnswer = (
  issues: ReadonlyArray<{ readonly path: ReadonlyArray<PropertyKey>; readonly message: string }>,
  requestId: string
): Answer => {
  const listed = issues.map((issue) => ({ path: issue.path, message: issue.message }))
  const first = listed[0]
  const message = first === undefined
    ? "Request does not match the schema"
    : `${first.path.length > 0 ? `${first.path.join(".")}: ` : ""}${first.message}`
  return errorAnswer(ValidationFailed, requestId, message, { issues: listed })
}

/** The answer as an HttpApi response; `x-request-id` is set here, the other common headers on the way out. */
export const toResponse = (answer: Answer, requestId: string): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.unsafeJson(answer.body, { status: answer.status, headers: { "x-request-id": requestId, ...answer.headers } })

/**
 * A JSON error response for errors that HttpApi itself cannot encode (decode failures, unknown routes,
 * malformed bodies, defects). It builds the very body that `wire` gives declared errors.
 */
export const errorResponse = <A extends WireError>(
  cls: ApiErrorClass<A>,
  requestId: string,
  message: string,
  details?: ErrorDetails,
  headers?: Record<string, string>
): HttpServerResponse.HttpServerResponse => toResponse(errorAnswer(cls, requestId, message, details, headers), requestId)
