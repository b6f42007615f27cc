import { useNow } from "../lib/hooks.js"
import { formatAbsolute, formatRelative, isoString } from "../lib/time.js"

/** An epoch-seconds time: absolute (local) and relative ("in 23 h"); the ISO time in a tooltip. */
export const Time = (props: { readonly at: number }) => {
  const now = useNow()
  return (
    <time dateTime={isoString(props.at)} title={isoString(props.at)} class="time">
      <span class="time-absolute">{formatAbsolute(props.at)}</span>{" "}
      <span class="time-relative">({formatRelative(props.at, now)})</span>
    </time>
  )
}

/** Only the relative part, with the absolute time as tooltip. */
export const RelativeTime = (props: { readonly at: number }) => {
  const now = useNow()
  return (
    <time dateTime={isoString(props.at)} title={formatAbsolute(props.at)}>
      {formatRelative(props.at, now)}
    </time>
  )
}
