// Times as the CLI prints them: UTC to the second, and how far away in words a person reads at a glance.

/** `2025-01-02T03:04:05Z` for epoch seconds. */
export const utcTimestamp = (epochSeconds: number): string =>
  new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z")

/** `3d 4h`, `5h 6m`, `7m`, `less than a minute`: the two largest units, to the nearest minute. */
export const humanDuration = (seconds: number): string => {
  if (Math.abs(seconds) < 60) return "less than a minute"
  const total = Math.round(Math.abs(seconds) / 60) * 60
  const days = Math.floor(total / 86_400)
  const hours = Math.floor((total % 86_400) / 3_600)
  const minutes = Math.floor((total % 3_600) / 60)
  if (days > 0) return hours > 0 ? `${days}d ${hours}h` : `${days}d`
  if (hours > 0) return minutes > 0 ? `${hours}h ${minutes}m` : `${hours}h`
  return `${minutes}m`
}

/** `in 23h 59m` or `5m ago`. */
export const relativeTime = (epochSeconds: number, nowSeconds: number): string =>
  epochSeconds >= nowSeconds
    ? `in ${humanDuration(epochSeconds - nowSeconds)}`
    : `${humanDuration(nowSeconds - epochSeconds)} ago`
