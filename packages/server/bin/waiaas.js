#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=8
// Always present, so npm links `waiaas` into node_modules/.bin even before the first build. Runs the bundled
// CLI (scripts/bundle.mjs) with two memory settings, measured by `npm run bench` (README, Performance):
// - glibc's malloc returns blocks of 128 KiB and more to the system when freed, instead of keeping each
//   argon2 verification's 19 MiB in the arena of the thread that ran it;
// - V8's young generation stays at 8 MiB per semi-space: a request's garbage is short-lived and small.
import("../dist/bundle/waiaas.js").catch((error) => {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/bundle/waiaas.js")) {
    process.stderr.write("waiaas: not built yet; run `npm run build` (or `npm start`) first\n")
    process.exit(1)
  }
  throw error
})
