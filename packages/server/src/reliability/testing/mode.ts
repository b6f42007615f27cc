import * as fs from "node:fs"

/**
 * `WAIAAS_SOAK=1` turns the reliability suite into its long local mode: ten times the kills and fuzzed
 * requests, longer floods. The default is what CI runs.
 */
export const SOAK = process.env.WAIAAS_SOAK === "1"

/** Picks the CI figure or the soak figure. */
export const scaled = (ci: number, soak: number): number => (SOAK ? soak : ci)

/** Test timeout for a test whose CI run takes about `ciMs`: generous on a loaded 2-core box, ×12 in soak. */
export const timeoutFor = (ciMs: number): number => (SOAK ? ciMs * 12 : ciMs)

/**
 * Prints what a test survived, one line per test (the README's Reliability figures come from these lines),
 * and appends it as JSON to `WAIAAS_RELIABILITY_REPORT` when that is set.
 */
export const reportFigures = (test: string, figures: Record<string, number | string>): void => {
  const line = { test, mode: SOAK ? "soak" : "ci", ...figures }
  process.stdout.write(`[reliability] ${JSON.stringify(line)}\n`)
  const file = process.env.WAIAAS_RELIABILITY_REPORT
  if (file !== undefined && file !== "") fs.appendFileSync(file, `${JSON.stringify(line)}\n`)
}
