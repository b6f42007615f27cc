import { Fragment } from "preact"
import type { ApiError } from "../api/ApiError.js"
import { deadlineIn, useCountdown } from "../lib/hooks.js"
import { formatDurationPrecise } from "../lib/time.js"
import { useMemo } from "preact/hooks"

/** "Try again in 4 min 12 s": counts down from when the error arrived. */
export const RetryCountdown = (props: { readonly seconds: number; readonly prefix?: string }) => {
  const until = useMemo(() => deadlineIn(props.seconds), [props.seconds])
  const left = useCountdown(until)
  return left > 0
    ? <Fragment>{props.prefix ?? "Try again in"} <strong>{formatDurationPrecise(left)}</strong>.</Fragment>
    : <Fragment>You can try again now.</Fragment>
}

/** The API's message and hint (and code and request id, for the log), announced to screen readers. */
export const ErrorNotice = (props: { readonly error: ApiError | undefined; readonly title?: string; readonly compact?: boolean }) => {
  const error = props.error
  if (error === undefined) return null
  if (error.kind === "unreachable") {
    return (
      <p class="notice notice-error notice-compact" role="alert">
        {props.title !== undefined ? `${props.title}: ` : ""}
        {error.message.charAt(0).toLowerCase() + error.message.slice(1)}.
      </p>
    )
  }
  return (
    <div class={`notice notice-error${props.compact === true ? " notice-compact" : ""}`} role="alert">
      {props.title !== undefined && <p class="notice-title">{props.title}</p>}
      <p class="notice-message">{error.message}</p>
      {error.retryAfter !== undefined && (
        <p class="notice-retry">
          <RetryCountdown key={error.requestId ?? error.message} seconds={error.retryAfter} />
        </p>
      )}
      {error.hint !== undefined && <p class="notice-hint">{error.hint}</p>}
      {(error.code !== undefined || error.requestId !== undefined) && (
        <p class="notice-meta">
          <code>{error.code}</code>
          {error.requestId !== undefined && <span> · request {error.requestId}</span>}
        </p>
      )}
    </div>
  )
}
