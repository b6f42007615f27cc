#!/usr/bin/env node
// Always present, so npm links `waiaas` into node_modules/.bin even before the first build.
import("../dist/bin.js").catch((error) => {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/bin.js")) {
    process.stderr.write("waiaas: not built yet; run `npm run build` (or `npm start`) first\n")
    process.exit(1)
  }
  throw error
})
