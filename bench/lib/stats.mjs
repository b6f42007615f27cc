// Small statistics helpers shared by the bench scripts (plain JavaScript: run with node, no build step).

/** The q-quantile (0..1) of `values` by linear interpolation; NaN for an empty list. */
export const quantile = (values, q) => {
  if (values.length === 0) return Number.NaN
  const sorted = Float64Array.from(values).sort()
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

export const median = (values) => quantile(values.filter((v) => Number.isFinite(v)), 0.5)

export const mean = (values) => values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length

/** p50/p90/p99/p99.9/max/mean of a list of latencies (ms). */
export const latencySummary = (values) => ({
  n: values.length,
  p50: quantile(values, 0.5),
  p90: quantile(values, 0.9),
  p99: quantile(values, 0.99),
  p999: quantile(values, 0.999),
  max: values.length === 0 ? Number.NaN : values.reduce((a, b) => (b > a ? b : a), -Infinity),
  mean: mean(values)
})

export const round = (value, digits = 2) => {
  if (!Number.isFinite(value)) return value
  const f = 10 ** digits
  return Math.round(value * f) / f
}
