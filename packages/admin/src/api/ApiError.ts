import type { ErrorBody } from "@waiaas/domain/ApiError"

/**
 * What went wrong with a call, in one shape for every component:
 * - `api`: the daemon answered with an error body `{code, message, hint?, ...}`;
 * - `unreachable`: no answer (daemon down, network, timeout);
 * - `invalid`: the request did not match the contract, so it was never sent;
 * - `unexpected`: an answer the contract does not describe, or a bug;
 * - `aborted`: the caller cancelled (e.g. the page was left); never shown.
 */
export type ApiErrorKind = "api" | "unreachable" | "invalid" | "unexpected" | "aborted"

export class ApiError extends Error {
  override readonly name = "ApiError"
  readonly kind: ApiErrorKind
  /** HTTP status, when there was an answer. */
  readonly status: number | undefined
  /** The daemon's error code (e.g. `WALLET_NOT_FOUND`), or one of ours (`DAEMON_UNREACHABLE`, ...). */
  readonly code: string
  readonly hint: string | undefined
  readonly retryable: boolean
  readonly details: Readonly<Record<string, unknown>> | undefined
  readonly requestId: string | undefined
  /** The tag of the contract's error class the body decoded to (e.g. `WalletNotFound`), if any. */
  readonly tag: string | undefined
  /** Seconds until a retry may succeed (429, lockouts), from `details.retryAfter` or `Retry-After`. */
  readonly retryAfter: number | undefined

  constructor(props: {
    readonly kind: ApiErrorKind
    readonly code: string
    readonly message: string
    readonly status?: number | undefined
    readonly hint?: string | undefined
    readonly retryable?: boolean | undefined
    readonly details?: Readonly<Record<string, unknown>> | undefined
    readonly requestId?: string | undefined
    readonly tag?: string | undefined
    readonly retryAfter?: number | undefined
  }) {
    super(props.message)
    this.kind = props.kind
    this.code = props.code
    this.status = props.status
    this.hint = props.hint
    this.retryable = props.retryable ?? false
    this.details = props.details
    this.requestId = props.requestId
    this.tag = props.tag
    this.retryAfter = props.retryAfter
  }

  get isUnauthorized(): boolean {
    return this.status === 401
  }
}

export const UNREACHABLE = "DAEMON_UNREACHABLE"
export const TIMEOUT = "DAEMON_TIMEOUT"

const positiveSeconds = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.ceil(value) : undefined

/**
 * How long to wait before retrying: `details.retryAfter` / `details.lockedForSeconds` (seconds),
 * `details.retryAt` / `details.lockedUntil` (epoch seconds), or the `Retry-After` header (seconds or an
 * HTTP date).
 */
export const retryAfterOf = (
  details: Readonly<Record<string, unknown>> | undefined,
  retryAfterHeader: string | undefined,
  nowMs: number
): number | undefined => {
  for (const key of ["retryAfter", "lockedForSeconds"]) {
    const seconds = positiveSeconds(details?.[key])
    if (seconds !== undefined) return seconds
  }
  for (const key of ["retryAt", "lockedUntil"]) {
    const at = details?.[key]
    if (typeof at === "number") return positiveSeconds(at - nowMs / 1000)
  }
  if (retryAfterHeader !== undefined) {
    const seconds = Number(retryAfterHeader)
    if (retryAfterHeader.trim() !== "" && Number.isFinite(seconds)) return positiveSeconds(seconds)
    const date = Date.parse(retryAfterHeader)
    if (!Number.isNaN(date)) return positiveSeconds((date - nowMs) / 1000)
  }
  return undefined
}

/** An error body as the daemon sent it: everything the UI shows comes from here. */
export const fromErrorBody = (
  body: ErrorBody,
  status: number,
  retryAfterHeader: string | undefined,
  tag: string | undefined,
  nowMs: number
): ApiError =>
  new ApiError({
    kind: "api",
    status,
    code: body.code,
    message: body.message,
    hint: body.hint,
    retryable: body.retryable,
    details: body.details,
    requestId: body.requestId,
    tag,
    retryAfter: retryAfterOf(body.details, retryAfterHeader, nowMs)
  })
