// Bundles the compiled CLI (dist/bin.js) into dist/bundle/, which bin/waiaas.js runs. Node spends most of
// the daemon's start loading modules: the `effect` and `@effect/platform` barrels alone are hundreds of
// files, most never used. One tree-shaken file per command (split at each command's dynamic import) starts
// in a fraction of the time and memory. Native modules stay external. Source maps are written beside it,
// for `node --enable-source-maps` when a stack trace needs reading.
import { build } from "esbuild"
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"

const dist = fileURLToPath(new URL("../dist/", import.meta.url))
fs.rmSync(`${dist}bundle`, { recursive: true, force: true })
await build({
  entryPoints: { waiaas: `${dist}bin.js` },
  outdir: `${dist}bundle`,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["better-sqlite3", "argon2"],
  // CommonJS dependencies call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __waiaasRequire } from 'node:module'; const require = __waiaasRequire(import.meta.url);" },
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: "linked",
  logLevel: "warning"
})
