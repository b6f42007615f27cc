import { HttpApiSchema } from "@effect/platform"
import { Effect, FiberRef, ParseResult, Schema } from "effect"
import { globalValue } from "effect/GlobalValue"

/**
 * The request id of the HTTP request being served. The server sets it once per request (each request
 * runs in its own fiber), and the error encoders below read it, so that every error body carries it.
 */
export const CurrentRequestId: FiberRef.FiberRef<string> = globalValue(
  Symbol.for("waiaas/CurrentRequestId"),
  () => FiberRef.unsafeMake("unknown")
)

export const ErrorDetails = Schema.Record({ key: Schema.String, value: Schema.Unknown })
export type ErrorDetails = typeof ErrorDetails.Type

/** What every error that crosses the wire says about itself, declared once on its class. */
export interface ErrorSpec {
  readonly code: string
  readonly status: number
  readonly retryable?: boolean
  readonly hint?: string
}

/** The fields every wire error carries in memory; the code, status and hint come from its spec. */
export const ErrorFields = {
  message: Schema.String,
  details: Schema.optional(ErrorDetails)
}

/** The one JSON shape of every non-2xx response. */
export const ErrorBody = Schema.Struct({
  code: Schema.String,
  message: Schema.String,
  requestId: Schema.String,
  retryable: Schema.Boolean,
  details: Schema.optional(ErrorDetails),
  hint: Schema.optional(Schema.String)
}).annotations({ identifier: "ErrorBody" })
export type ErrorBody = typeof ErrorBody.Type

export interface ApiErrorClass<A extends { readonly message: string; readonly details?: ErrorDetails | undefined }> {
  new(props: { readonly message: string; readonly details?: ErrorDetails }): A
  readonly spec: ErrorSpec
}

export const errorBody = (
  spec: ErrorSpec,
  error: { readonly message: string; readonly details?: ErrorDetails | undefined },
  requestId: string
): ErrorBody => ({
  code: spec.code,
  message: error.message,
  requestId,
  retryable: spec.retryable ?? false,
  ...(error.details !== undefined ? { details: error.details } : {}),
  ...(spec.hint !== undefined ? { hint: spec.hint } : {})
})

/**
 * Declares an error class to the HttpApi with its wire shape: encoding turns the tagged error into
 * `{code, message, requestId, retryable, details?, hint?}`, decoding (in clients) turns such a body,
 * recognised by its `code`, back into the tagged error. Handlers keep failing with the class itself.
 */
export const wire = <A extends { readonly message: string; readonly details?: ErrorDetails | undefined }>(
  cls: ApiErrorClass<A> & Schema.Schema<A, any, never>
) => {
  const spec = cls.spec
  const Body = Schema.Struct({ ...ErrorBody.fields, code: Schema.Literal(spec.code) })
  return Schema.transformOrFail(Body, Schema.typeSchema(cls), {
    strict: true,
    decode: (body) =>
      ParseResult.succeed(new cls(body.details === undefined ? { message: body.message } : {
        message: body.message,
        details: body.details
      })),
    encode: (error) =>
      Effect.map(FiberRef.get(CurrentRequestId), (requestId) => ({ ...errorBody(spec, error, requestId), code: spec.code }))
  }).annotations(HttpApiSchema.annotations({ status: spec.status }))
}
