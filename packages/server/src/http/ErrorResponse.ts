import { HttpServerResponse } from "@effect/platform"
import { type ApiErrorClass, type ErrorDetails, errorBody } from "@waiaas/domain"

/**
 * A JSON error response for errors that HttpApi itself cannot encode (decode failures, unknown routes,
 * malformed bodies, defects). It builds the very body that `wire` gives declared errors.
 */
export const errorResponse = <A extends { readonly message: string; readonly details?: ErrorDetails | undefined }>(
  cls: ApiErrorClass<A>,
  requestId: string,
  message: string,
  details?: ErrorDetails,
  headers?: Record<string, string>
): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.unsafeJson(
    errorBody(cls.spec, details === undefined ? { message } : { message, details }, requestId),
    { status: cls.spec.status, headers: { "x-request-id": requestId, ...headers } }
  )
