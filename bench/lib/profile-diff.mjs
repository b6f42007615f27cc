// Per-request self time of two daemon profiles (bench/run.mjs --profile output dirs), frame by frame:
//   node bench/lib/profile-diff.mjs DIR_A DIR_B [window=session] [top=40]
// Shows where B spends less (or more) CPU per request than A: the cost of what differs between them.
import * as fs from "node:fs"
import * as path from "node:path"

const [dirA, dirB, windowName = "session", top = "40"] = process.argv.slice(2)

const perRequest = (dir) => {
  const profile = JSON.parse(fs.readFileSync(path.join(dir, "daemon.cpuprofile"), "utf8"))
  const { requests, windows } = JSON.parse(fs.readFileSync(path.join(dir, "windows.json"), "utf8"))
  const window = windows[windowName]
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const out = new Map()
  let at = profile.startTime
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0
    at += delta
    if (at < window.fromUs || at > window.toUs) continue
    const { callFrame: c } = byId.get(profile.samples[i])
    const file = c.url.includes("node_modules/") ? c.url.slice(c.url.lastIndexOf("node_modules/") + 13) : c.url.replace(/^.*\/packages\//, "packages/")
    const key = `${c.functionName || "(anonymous)"} ${file}${c.url ? `:${c.lineNumber + 1}` : ""}`
    out.set(key, (out.get(key) ?? 0) + delta)
  }
  for (const [k, us] of out) out.set(k, us / requests[windowName])
  return out
}

const a = perRequest(dirA)
const b = perRequest(dirB)
const keys = new Set([...a.keys(), ...b.keys()])
const rows = [...keys].map((k) => ({ k, a: a.get(k) ?? 0, b: b.get(k) ?? 0 })).map((r) => ({ ...r, d: r.b - r.a }))
const sum = (m) => [...m.values()].reduce((x, y) => x + y, 0)
console.log(`sampled µs per request (profiled, so inflated): A ${sum(a).toFixed(0)}, B ${sum(b).toFixed(0)}`)
for (const r of rows.sort((x, y) => x.d - y.d).slice(0, Number(top))) {
  console.log(`${r.d.toFixed(1).padStart(8)} µs  (A ${r.a.toFixed(1).padStart(6)}, B ${r.b.toFixed(1).padStart(6)})  ${r.k}`)
}
