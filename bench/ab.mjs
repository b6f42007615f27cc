#!/usr/bin/env node
// A/B of daemon builds on GET /v1/session: every variant (and the reference server) runs at once on its
// own copy of one fixture; rounds go through them in a new random order each time. The figure to trust
// on a busy machine is the server's CPU time per request, not req/s.
//
//   node bench/ab.mjs --variant base=/tmp/base/packages/server/dist/bin.js \
//                     --variant quiet=/tmp/base/packages/server/dist/bin.js:'{"WAIAAS_DAEMON_LOG_LEVEL":"warning"}' \
//                     --variant small=/tmp/base/packages/server/dist/bin.js:'{"NODE_ARGS":"--optimize-for-size"}' \
//                     [--rounds 6] [--duration 3] [--nice=-10]
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { parseArgs } from "node:util"
import { withForeignCpu } from "./lib/cpu.mjs"
import { copyDataDir, createFixture, PASSWORD } from "./lib/fixture.mjs"
import { load, startDaemon, startReference } from "./lib/procs.mjs"
import { median } from "./lib/stats.mjs"

const { values: args } = parseArgs({
  options: {
    variant: { type: "string", multiple: true },
    rounds: { type: "string", default: "6" },
    duration: { type: "string", default: "3" },
    connections: { type: "string", default: "32" },
    nice: { type: "string" }
  }
})
if (args.nice !== undefined) {
  process.env.BENCH_NICE = String(Number(args.nice))
  os.setPriority(Number(args.nice))
}
const variants = (args.variant ?? []).map((spec) => {
  const [name, rest] = [spec.slice(0, spec.indexOf("=")), spec.slice(spec.indexOf("=") + 1)]
  const colon = rest.indexOf(":{")
  return colon === -1 ? { name, bin: rest, env: {} } : { name, bin: rest.slice(0, colon), env: JSON.parse(rest.slice(colon + 1)) }
})
if (variants.length === 0) throw new Error("give at least one --variant name=path/to/bin.js[:{json env}]")

const work = fs.mkdtempSync(path.join(os.tmpdir(), "waiaas-ab-"))
const started = []
try {
  const fixture = await createFixture({
    dir: path.join(work, "template"),
    logFile: path.join(work, "template.log"),
    tokenWallets: 8,
    sessionsPerWallet: 4,
    provisionWallets: 1
  })
  const servers = []
  for (const v of variants) {
    const dir = copyDataDir(fixture.dir, path.join(work, v.name))
    // "NODE_ARGS" in a variant's JSON: node command-line flags (e.g. V8 flags NODE_OPTIONS refuses).
    const { NODE_ARGS: nodeArgs = "", ...env } = v.env
    const daemon = await startDaemon({
      dataDir: dir,
      password: PASSWORD,
      logFile: path.join(work, `${v.name}.log`),
      env,
      bin: v.bin,
      nodeArgs: nodeArgs.split(" ").filter(Boolean)
    })
    started.push(daemon)
    servers.push({ name: v.name, port: daemon.port, pid: daemon.pid, startMs: daemon.startMs })
  }
  const reference = await startReference({ db: path.join(copyDataDir(fixture.dir, path.join(work, "ref")), "waiaas.db"), logFile: path.join(work, "ref.log") })
  started.push(reference)
  servers.push({ name: "reference", port: reference.port, pid: reference.pid })

  const loadOf = (s, duration, warmup) => ({
    url: `http://127.0.0.1:${s.port}`,
    path: "/v1/session",
    rotate: { header: "authorization", values: fixture.tokens.map((t) => `Bearer ${t}`) },
    connections: Number(args.connections),
    duration,
    ...(warmup > 0 ? { warmup: { duration: warmup } } : {})
  })
  // Warm every server up first (JIT, caches), unmeasured.
  for (const s of servers) await load(loadOf(s, 2, 0))
  const results = Object.fromEntries(servers.map((s) => [s.name, []]))
  for (let r = 0; r < Number(args.rounds); r++) {
    const order = [...servers].sort(() => Math.random() - 0.5)
    for (const s of order) {
      const result = await withForeignCpu([s.pid], () => load(loadOf(s, Number(args.duration), 0.5)))
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`${s.name}: ${JSON.stringify(result.statusCodes)} ${result.errors} errors`)
      results[s.name].push({
        rps: result.rps,
        p99: result.latency.p99,
        cpuUs: (result.pidCpuS[0] / (result.total + result.warmupTotal)) * 1e6,
        other: result.foreignCores
      })
    }
    process.stderr.write(`round ${r + 1}: ${servers.map((s) => `${s.name} ${results[s.name].at(-1).cpuUs.toFixed(0)}µs`).join(", ")}\n`)
  }
  const ref = median(results.reference.map((x) => x.cpuUs))
  const refRps = median(results.reference.map((x) => x.rps))
  console.log(`| variant | CPU µs/request | reference/variant CPU | req/s | req/s vs reference | p99 ms | other CPU (max) |`)
  console.log(`|---|---|---|---|---|---|---|`)
  for (const s of servers) {
    const xs = results[s.name]
    const cpu = median(xs.map((x) => x.cpuUs))
    const rps = median(xs.map((x) => x.rps))
    console.log(`| ${s.name} | ${cpu.toFixed(0)} | ${(ref / cpu).toFixed(2)} | ${rps.toFixed(0)} | ${(rps / refRps).toFixed(2)} | ${median(xs.map((x) => x.p99)).toFixed(1)} | ${Math.max(...xs.map((x) => x.other)).toFixed(2)} |`)
  }
} finally {
  for (const s of started.reverse()) await s.stop().catch(() => undefined)
  fs.rmSync(work, { recursive: true, force: true })
}
