// Summarises a V8 .cpuprofile (node --cpu-prof): top frames by self time, and self time by package.
//   node bench/lib/cpuprofile.mjs FILE.cpuprofile [top=30]
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** Where a frame's code lives: an npm package, a workspace package, node itself, or V8/GC. */
export const packageOf = (url) => {
  if (!url) return "(native/V8)"
  if (url.startsWith("node:")) return "node:internal"
  const nm = url.lastIndexOf("node_modules/")
  if (nm !== -1) {
    const rest = url.slice(nm + "node_modules/".length).split("/")
    return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]
  }
  const ws = /\/packages\/([^/]+)\//.exec(url)
  if (ws) return `@waiaas/${ws[1]}`
  return url
}

/**
 * `window` ({fromUs, toUs}, CLOCK_MONOTONIC microseconds like process.hrtime.bigint() / 1000n in any process
 * on the machine, which is also V8's profile clock) keeps only the samples taken while a load ran.
 */
/**
 * What a sample was doing: from the sampled frame up its stack (but not past the fiber run loop that runs
 * it), the first frame that belongs to one of these kinds of work decides; otherwise the sampled frame's
 * own package does ("effect runtime": fibers, context, FiberRefs — the interpreter itself).
 */
const CATEGORIES = [
  ["logging", (url, name) => /effect\/dist\/esm\/internal\/logger|effect\/dist\/esm\/Logger|\/Log\.js/.test(url) || name === "consoleCall"],
  ["sqlite (better-sqlite3 + @effect/sql)", (url) => /better-sqlite3|@effect\/sql/.test(url)],
  ["JWT / hashing (jose, node:crypto)", (url) => /\/jose\/|node:internal\/crypto/.test(url)],
  ["argon2", (url) => /\/argon2\//.test(url)],
  ["Schema decode/encode", (url) => /effect\/dist\/esm\/(ParseResult|Schema|SchemaAST)\.js/.test(url)],
  // (Not tracer.js's `context`: the native tracer runs every fiber's run loop inside it.)
  ["tracing spans", (url, name) =>
    /^(unsafeMakeSpan|makeSpan|withSpan|NativeSpan|addSpanStackTrace|attribute|span|end|<instance_members_initializer>)$/.test(name) &&
    /internal\/(tracer|core-effect)\.js/.test(url)],
  ["router (find-my-way)", (url) => /find-my-way/.test(url)],
  ["node http/net", (url, name) => /node:_http|node:net|node:internal\/streams|node:internal\/stream_base/.test(url) || name === "writev" || name === "writeBuffer" || name === "writeUtf8String"],
  ["@effect/platform http", (url) => /@effect\/platform/.test(url)]
]

const categoryOf = (byId, parentOf, id) => {
  for (let at = id; at !== undefined; at = parentOf.get(at)) {
    const { functionName, url } = byId.get(at).callFrame
    for (const [name, test] of CATEGORIES) if (test(url ?? "", functionName ?? "")) return name
    // Above a fiber's run loop is whoever started or resumed the fiber, not what this sample was doing.
    if (/effect\/dist\/esm\/internal\/fiberRuntime\.js/.test(url) && /^(runLoop|evaluateEffect)$/.test(functionName)) break
  }
  const { functionName, url } = byId.get(id).callFrame
  if (functionName === "(garbage collector)") return "GC"
  if (functionName === "(idle)") return "idle"
  if (functionName === "(program)") return "(program)"
  return packageOf(url) === "effect" ? "effect runtime (fibers, context, FiberRefs)" : packageOf(url)
}

export const summarize = (profile, top = 30, window = undefined) => {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parentOf = new Map()
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id)
  const selfUs = new Map()
  // samples[i] was taken in node samples[i]; timeDeltas[i] is the time since the previous sample.
  let at = profile.startTime
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0
    at += delta
    if (window !== undefined && (at < window.fromUs || at > window.toUs)) continue
    const id = profile.samples[i]
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta)
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0)
  const frames = new Map()
  const packages = new Map()
  const categories = new Map()
  for (const [id, us] of selfUs) {
    const category = categoryOf(byId, parentOf, id)
    categories.set(category, (categories.get(category) ?? 0) + us)
    const { callFrame } = byId.get(id)
    const file = callFrame.url ? callFrame.url.replace(/^file:\/\//, "") : ""
    const short = file.includes("node_modules/") ? file.slice(file.lastIndexOf("node_modules/") + 13) : file.replace(/^.*\/packages\//, "packages/")
    const key = `${callFrame.functionName || "(anonymous)"} ${short}${file ? `:${callFrame.lineNumber + 1}` : ""}`
    frames.set(key, (frames.get(key) ?? 0) + us)
    const pkg = packageOf(callFrame.url)
    packages.set(pkg, (packages.get(pkg) ?? 0) + us)
  }
  const rank = (map) =>
    [...map.entries()].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: us / 1000, pct: (100 * us) / total }))
  return { totalMs: total / 1000, frames: rank(frames).slice(0, top), packages: rank(packages), categories: rank(categories) }
}

export const render = (summary) =>
  [
    `total sampled: ${summary.totalMs.toFixed(0)} ms`,
    "",
    "by kind of work (the first specific kind of work found from the sampled frame up its stack):",
    ...summary.categories.filter((p) => p.pct >= 0.5).map((p) => `  ${p.pct.toFixed(1).padStart(5)}%  ${p.name}`),
    "",
    "self time by package:",
    ...summary.packages.filter((p) => p.pct >= 0.5).map((p) => `  ${p.pct.toFixed(1).padStart(5)}%  ${p.name}`),
    "",
    "top frames by self time:",
    ...summary.frames.map((f) => `  ${f.pct.toFixed(1).padStart(5)}%  ${f.ms.toFixed(0).padStart(6)} ms  ${f.name}`)
  ].join("\n")

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2]
  const profile = JSON.parse(fs.readFileSync(file, "utf8"))
  process.stdout.write(`${path.basename(file)}\n${render(summarize(profile, Number(process.argv[3] ?? 30)))}\n`)
}
