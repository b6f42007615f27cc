#!/usr/bin/env -S node --max-semi-space-size=8
// Always present, so npm links `waiaas` into node_modules/.bin even before the first build. Runs the bundled
// CLI (scripts/bundle.mjs) with V8's young generation at 8 MiB per semi-space: a request's garbage is small
// and short-lived, and the default 16 MiB costs ~15 MB of RSS for ~5 µs per request (`npm run bench`).
// Not MALLOC_MMAP_THRESHOLD_: it would give argon2's 19 MiB back after each verification (~10 MB less
// RSS), but faulting it in again costs every master-password check ~8 ms, and ~38 ms at 8 in flight.
import("../dist/bundle/waiaas.js").catch((error) => {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/bundle/waiaas.js")) {
    process.stderr.write("waiaas: not built yet; run `npm run build` (or `npm start`) first\n")
    process.exit(1)
  }
  throw error
})
