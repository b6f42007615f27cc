// Every time on the wire is whole seconds since the epoch. The UI shows both the absolute local time and
// a short relative one ("in 23 h", "5 min ago").

const MINUTE = 60
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** A duration in one unit, rounded down, e.g. `42 s`, `5 min`, `23 h`, `6 d`. */
export const formatDuration = (seconds: number): string => {
  const s = Math.max(0, Math.floor(seconds))
  if (s < MINUTE) return `${s} s`
  if (s < HOUR) return `${Math.floor(s / MINUTE)} min`
  if (s < DAY) return `${Math.floor(s / HOUR)} h`
  return `${Math.floor(s / DAY)} d`
}

/** A duration in two units when that says more, e.g. `4 min 12 s`, `1 h 30 min`; one unit otherwise. */
export const formatDurationPrecise = (seconds: number): string => {
  const s = Math.max(0, Math.ceil(seconds))
  if (s < MINUTE) return `${s} s`
  if (s < HOUR) return s % MINUTE === 0 ? `${s / MINUTE} min` : `${Math.floor(s / MINUTE)} min ${s % MINUTE} s`
  if (s < DAY) {
    const minutes = Math.floor((s % HOUR) / MINUTE)
    return minutes === 0 ? `${Math.floor(s / HOUR)} h` : `${Math.floor(s / HOUR)} h ${minutes} min`
  }
  const hours = Math.floor((s % DAY) / HOUR)
  return hours === 0 ? `${Math.floor(s / DAY)} d` : `${Math.floor(s / DAY)} d ${hours} h`
}

/** `in 23 h`, `5 min ago`, `just now` (within 5 seconds either way). */
export const formatRelative = (atSeconds: number, nowSeconds: number): string => {
  const delta = atSeconds - nowSeconds
  if (Math.abs(delta) < 5) return "just now"
  return delta > 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`
}

const pad = (n: number) => String(n).padStart(2, "0")

/** Local time as `YYYY-MM-DD HH:MM:SS`: sortable, unambiguous, the same in every locale. */
export const formatAbsolute = (atSeconds: number): string => {
  const d = new Date(atSeconds * 1000)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

/** For `<time datetime>` and tooltips. */
export const isoString = (atSeconds: number): string => new Date(atSeconds * 1000).toISOString()

export const nowSeconds = (): number => Math.floor(Date.now() / 1000)
