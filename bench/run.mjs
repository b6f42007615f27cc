#!/usr/bin/env node
// `npm run bench` — the daemon's performance figures, measured from outside (see bench/README.md).
//
//   node bench/run.mjs [--quick] [--out FILE] [--keep]
//   node bench/run.mjs --only session,provisioning,attack,start,scale   a subset, for quick A/B work
//                                    (the table then has NaN for what was not measured)
//   node bench/run.mjs --set session.rounds=2,session.durationS=3      override parameters
//   node bench/run.mjs --nice=-10    run everything the bench starts at that nice value (root): on a shared
//                                    machine, other work then disturbs the figures less
//   node bench/run.mjs --profile     CPU profiles (node --cpu-prof) of the daemon: start-up, and under the
//                                    session-auth and provisioning loads; top frames to bench/profiles/*.txt
//
// Every load comes from a process of its own: autocannon (bench/lib/load.mjs), and for sequential
// provisioning bench/lib/paired.mjs, which rotates the daemon, the provisioning reference and the floor one
// by one; the daemon is the built CLI (`packages/server/bin/waiaas.js start`, as users run it, or
// BENCH_DAEMON_BIN); the references are bench/reference-server.mjs (session auth, on the same database) and
// bench/reference-provisioning.mjs (on the floor's copy); the provisioning floor is bench/lib/floor.mjs.
// Each figure is the median over rounds, the sides of a comparison alternating within each round
// (provisioning: percentiles of latencies pooled over the rounds).
// Writes bench/results.json (quick mode: a temp file unless --out) and prints a table.
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { parseArgs } from "node:util"
import {
  BENCH_DIR,
  DAEMON_BIN,
  FLOOR_SCRIPT,
  load,
  PAIRED_SCRIPT,
  ROOT,
  runJsonChild,
  SEED_SCRIPT,
  sleep,
  startDaemon,
  startProvisioningReference,
  startReference
} from "./lib/procs.mjs"
import { withForeignCpu } from "./lib/cpu.mjs"
import { copyDataDir as copyFixtureDir, createFixture as createFixtureIn, PASSWORD, WRONG_PASSWORD } from "./lib/fixture.mjs"
import { render as renderProfile, summarize as summarizeProfile } from "./lib/cpuprofile.mjs"
import { median, quantile, round } from "./lib/stats.mjs"

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    out: { type: "string" },
    keep: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    only: { type: "string" },
    set: { type: "string" },
    nice: { type: "string" }
  }
})

const FULL = {
  tokenWallets: 8, // x sessionsPerWallet session tokens, used round robin by the session-auth load
  sessionsPerWallet: 4,
  provisionWallets: 16,
  seedWallets: 100_000,
  seedSessions: 1_000_000,
  // One start at scale. Its long time-out is from when every start re-checked each token file (~50 s at
  // 100,000 wallets); now only a start after an unclean stop does, and this copy was stopped cleanly.
  starts: { empty: 3, scaled: 1 },
  startTimeoutS: { empty: 30, scaled: 600 },
  rssRequests: 10_000,
  session: { rounds: 5, warmupS: 1, durationS: 3, connections: 32 },
  // Small batches, the daemon's and the floor's alternating, latencies pooled over all rounds: both sides
  // then see the same machine (argon2 needs both cores; anything else running shows on both).
  // Sequential: `pairs` rotating triples (a daemon request, a reference request, a floor operation) so that
  // drift hits every side. In flight: each batch sends `inFlight` + `inFlightTimed` requests and times all
  // but the first `inFlight` answers, which are the burst that starts it (every connection sending at once,
  // served two argon2 runs at a time: 30, 55, 80, 100 ms), not yet `inFlight` requests kept in flight.
  // warmUpRequests: provisionings sent to the daemon and to the reference, 8 in flight, before the first round
  // (untimed): V8 is still optimising the provisioning path then (~170 functions over the first ~500
  // provisionings in a --trace-opt run), and without it the first round ran 0.3-1.3 ms slower sequentially.
  provisioning: { rounds: 5, pairs: 16, inFlight: 8, inFlightTimed: 40, warmup: 2, warmUpRequests: 160 },
  attack: { rounds: 3, durationS: 3, floodConnections: 32, leadS: 0.5, warmupS: 0.5 }
}
const QUICK = {
  tokenWallets: 2,
  sessionsPerWallet: 2,
  provisionWallets: 8,
  seedWallets: 1_000,
  seedSessions: 10_000,
  starts: { empty: 1, scaled: 1 },
  startTimeoutS: { empty: 30, scaled: 120 },
  rssRequests: 1_000,
  session: { rounds: 1, warmupS: 0, durationS: 1, connections: 32 },
  provisioning: { rounds: 1, pairs: 4, inFlight: 8, inFlightTimed: 4, warmup: 1, warmUpRequests: 0 },
  attack: { rounds: 1, durationS: 1, floodConnections: 32, leadS: 0.3, warmupS: 0 }
}
if (args.nice !== undefined) {
  process.env.BENCH_NICE = String(Number(args.nice))
  os.setPriority(Number(args.nice)) // this runner too; throws without the permission for negative values
}
const P = structuredClone(args.quick ? QUICK : FULL)
// --set session.rounds=2,session.durationS=3: override parameters (A/B work; recorded in results.params).
for (const assignment of args.set?.split(",") ?? []) {
  const [key, value] = assignment.split("=")
  const keys = key.split(".")
  const holder = keys.slice(0, -1).reduce((o, k) => o?.[k], P)
  if (holder === undefined || !(keys.at(-1) in holder)) throw new Error(`--set: unknown parameter ${key}`)
  holder[keys.at(-1)] = Number(value)
}
const PHASES = new Set(["start", "session", "provisioning", "attack", "scale"])
const phases = args.only === undefined ? PHASES : new Set(args.only.split(","))
for (const phase of phases) if (!PHASES.has(phase)) throw new Error(`--only: unknown phase ${phase}; one of ${[...PHASES]}`)
// Password checks the daemon runs at once (MAX_CONCURRENT_ARGON2 in packages/adapters/src/PasswordHasher/
// Argon2.ts, CONCURRENT_PASSWORD_CHECKS in packages/domain/src/MasterPasswordThrottle.ts): the floor too.
const ARGON2_PERMITS = 2

const outFile = args.out ?? (args.quick
  ? path.join(os.tmpdir(), `waiaas-bench-quick-${process.pid}.json`)
  : path.join(BENCH_DIR, "results.json"))

const t0 = performance.now()
const log = (message) => process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${message}\n`)

// The launcher is in git; what it runs is built.
const built = process.env.BENCH_DAEMON_BIN ?? path.join(ROOT, "packages/server/dist/bundle/waiaas.js")
if (!fs.existsSync(built)) {
  process.stderr.write(`bench: ${built} does not exist; build first (npm run build)\n`)
  process.exit(1)
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "waiaas-bench-"))
const cleanups = []
const cleanup = async () => {
  for (const stop of cleanups.splice(0).reverse()) await stop().catch(() => undefined)
  if (!args.keep) fs.rmSync(work, { recursive: true, force: true })
}
process.on("SIGINT", () => void cleanup().then(() => process.exit(130)))

/** Starts something stoppable and remembers to stop it if the run fails. */
const track = (started) => {
  const stop = started.stop
  let stopped = false
  const once = async () => {
    if (stopped) return
    stopped = true
    return stop()
  }
  started.stop = once
  cleanups.push(once)
  return started
}

/** A number for a log line; a missing figure (NaN: no 2xx answers at all) shows as such. */
const fmt = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : String(value))

const logFile = (name) => path.join(work, `${name}.log`)

const copyDataDir = (from, name, options) => copyFixtureDir(from, path.join(work, name), options)

const createFixture = () =>
  createFixtureIn({
    dir: path.join(work, "template"),
    logFile: logFile("template"),
    tokenWallets: P.tokenWallets,
    sessionsPerWallet: P.sessionsPerWallet,
    provisionWallets: P.provisionWallets,
    track
  })

// ---------------------------------------------------------------------------------------------------
// The loads.
const sessionLoad = (port, tokens, durationS, warmupS = P.session.warmupS) =>
  load({
    url: `http://127.0.0.1:${port}`,
    path: "/v1/session",
    rotate: { header: "authorization", values: tokens.map((t) => `Bearer ${t}`) },
    connections: P.session.connections,
    duration: durationS,
    ...(warmupS > 0 ? { warmup: { duration: warmupS } } : {})
  })

/** POST /v1/mcp/tokens for each of `walletIds` in turn, as load.mjs takes it. */
const provisioningRequests = (port, walletIds) => ({
  url: `http://127.0.0.1:${port}`,
  method: "POST",
  path: "/v1/mcp/tokens",
  headers: { "x-master-password": PASSWORD, "content-type": "application/json" },
  rotateBody: walletIds.map((walletId) => JSON.stringify({ walletId }))
})

/** `connections` requests kept in flight; the first `connections` answers (the starting burst) are not timed. */
const provisioningLoad = (port, walletIds, connections, timed) =>
  load({
    ...provisioningRequests(port, walletIds),
    connections,
    amount: connections + timed,
    skipFirst: connections,
    warmup: { amount: args.quick ? 1 : Math.max(P.provisioning.warmup, connections) },
    samples: true
  })

/**
 * CPU per request of the server `pid`, one of the `pids` a withForeignCpu load was measured with (all its
 * threads, warm-up included as its CPU time covers it), and of the load generator while the timed answers
 * came: at 8 in flight both share the two cores with argon2, so together they set the p50 (see README,
 * Performance).
 */
const withCpuPerRequest = (result, pids, pid) => ({
  ...result,
  cpuMsPerRequest: (result.pidCpuS[pids.indexOf(pid)] * 1000) / (result.total + result.warmupTotal),
  loadCpuMsPerRequest: result.cpuMsPerTimedAnswer
})

/** The floor's operations `concurrency` at a time, timed as provisioningLoad times the daemon's requests. */
const floorRun = (dir, walletIds, concurrency, timed) =>
  runJsonChild(FLOOR_SCRIPT, {
    ...floorConfig(dir),
    password: PASSWORD,
    walletIds,
    n: concurrency + timed,
    skipFirst: concurrency,
    concurrency,
    warmup: args.quick ? 1 : Math.max(P.provisioning.warmup, concurrency),
    samples: true
  })

/** The floor's configuration (floor.mjs) on the copy of the database in `dir`. */
const floorConfig = (dir) => ({ db: path.join(dir, "waiaas.db"), tokenDir: path.join(dir, "mcp-tokens"), argon2Permits: ARGON2_PERMITS })

/**
 * Sequential provisioning, the reference's and the floor in rotating triples (paired.mjs):
 * `{ daemon, reference, floor }`.
 */
const pairedRun = (port, referencePort, dir, walletIds, pairs) =>
  runJsonChild(PAIRED_SCRIPT, {
    port,
    referencePort,
    password: PASSWORD,
    walletIds,
    pairs,
    warmup: args.quick ? 1 : P.provisioning.warmup,
    floor: floorConfig(dir)
  })

/** A flood of wrong master passwords on the provisioning route, until `durationS` is over. */
const floodLoad = (port, walletId, durationS) =>
  load({
    url: `http://127.0.0.1:${port}`,
    method: "POST",
    path: "/v1/mcp/tokens",
    headers: { "x-master-password": WRONG_PASSWORD, "content-type": "application/json" },
    body: JSON.stringify({ walletId }),
    connections: P.attack.floodConnections,
    duration: durationS
  })

const problems = []
/** A load whose answers were not all 2xx measured something else: say so, loudly. */
const checkAll2xx = (what, result) => {
  if (result.non2xx > 0 || result.errors > 0 || result.ok === 0) {
    problems.push(`${what}: ${result.ok} ok, ${result.non2xx} non-2xx ${JSON.stringify(result.statusCodes)}, ${result.errors} errors`)
  }
  return result
}

// ---------------------------------------------------------------------------------------------------
/** The memory figure's load: `rssRequests` session-auth requests, which also warm a daemon up. */
const warmUp = (port, tokens) =>
  load({
    url: `http://127.0.0.1:${port}`,
    path: "/v1/session",
    rotate: { header: "authorization", values: tokens.map((t) => `Bearer ${t}`) },
    connections: P.session.connections,
    amount: P.rssRequests
  })

// One database state ("empty" or "scaled"), in data dir `dir` (used in place): start + RSS, session auth
// vs reference, provisioning vs floor (on a copy of the database), and (empty only) session auth under
// a password flood.
const scenario = async (name, dir, fixture, { starts, attack, twinDir }) => {
  const floorDir = copyDataDir(dir, `${name}-floor`, { tokenFiles: false })
  const out = { startMs: [], rssMb: [], rssLoad: [], session: [], provisioning: [], attack: [] }

  // 4. Start and memory: spawn -> first 200 on /health; RSS after rssRequests GET /v1/session.
  let daemon
  if (!phases.has("start")) starts = 1
  for (let i = 0; i < starts; i++) {
    daemon = track(await startDaemon({
      dataDir: dir,
      password: PASSWORD,
      logFile: logFile(name),
      timeoutMs: P.startTimeoutS[name] * 1000
    }))
    out.startMs.push(daemon.startMs)
    out.rssLoad.push(checkAll2xx(`${name} rss load`, await withForeignCpu([daemon.pid], () => warmUp(daemon.port, fixture.tokens))))
    out.rssMb.push(daemon.rssKb() / 1024)
    log(`${name}: start ${fmt(daemon.startMs, 0)} ms, RSS ${fmt(daemon.rssKb() / 1024, 1)} MB after ${P.rssRequests} requests`)
    if (i < starts - 1) await daemon.stop()
  }

  // 1. Session auth, ours vs the reference on the same database, alternating who goes first. At scale,
  // also the "twin": our daemon on the database as it was before seeding, so that each round holds its
  // own scaled/empty comparison, seconds apart rather than minutes (this VM drifts by ±10% over minutes).
  const reference = track(await startReference({ db: path.join(dir, "waiaas.db"), logFile: logFile(`${name}-reference`) }))
  const twin = twinDir === undefined || !phases.has("session")
    ? undefined
    : track(await startDaemon({ dataDir: twinDir, password: PASSWORD, logFile: logFile(`${name}-twin`) }))
  // Warmed up as our daemon was, by the memory figure's requests.
  if (twin !== undefined) checkAll2xx(`${name} twin warm-up`, await warmUp(twin.port, fixture.tokens))
  const servers = { ours: daemon, reference, ...(twin === undefined ? {} : { twin }) }
  const pids = Object.values(servers).map((server) => server.pid)
  for (let r = 0; r < (phases.has("session") ? P.session.rounds : 0); r++) {
    const round = {}
    const order = Object.keys(servers)
    if (r % 2 === 1) order.reverse()
    for (const who of order) {
      const result = checkAll2xx(`${name} session auth (${who})`,
        await withForeignCpu(pids, () => sessionLoad(servers[who].port, fixture.tokens, P.session.durationS)))
      // The server's CPU time per request: unlike req/s, barely moved by whatever else runs on the machine.
      const cpuS = result.pidCpuS[pids.indexOf(servers[who].pid)]
      round[who] = { ...result, cpuUsPerRequest: (cpuS / (result.total + result.warmupTotal)) * 1e6 }
    }
    out.session.push(round)
    const side = (who) =>
      `${who} ${fmt(round[who].rps, 0)} req/s p99 ${fmt(round[who].latency.p99, 2)} ms ${fmt(round[who].cpuUsPerRequest, 0)} µs CPU/request`
    log(`${name}: session auth round ${r + 1}: ${order.map(side).join("; ")}` +
      ` (other CPU ${fmt(Math.max(...order.map((who) => round[who].foreignCores)), 2)} cores)`)
  }
  out.referenceRssMb = reference.rssKb() / 1024
  await reference.stop()
  await twin?.stop()

  // 2. Provisioning, sequential and 8 in flight, each next to its floor and to the plain reference server
  // (reference-provisioning.mjs: the floor's steps behind node:http), which works on the floor's copy of
  // the database. Each side runs while the others are idle.
  const provisioningReference = phases.has("provisioning")
    ? track(await startProvisioningReference({ floor: floorConfig(floorDir), logFile: logFile(`${name}-reference-provisioning`) }))
    : undefined
  if (provisioningReference !== undefined && P.provisioning.warmUpRequests > 0) {
    for (const [who, server] of [["daemon", daemon], ["reference", provisioningReference]]) {
      checkAll2xx(`${name} ${who} provisioning warm-up`, await load({
        ...provisioningRequests(server.port, fixture.provisionWalletIds),
        connections: P.provisioning.inFlight,
        amount: P.provisioning.warmUpRequests
      }))
    }
  }
  for (let r = 0; r < (phases.has("provisioning") ? P.provisioning.rounds : 0); r++) {
    const { inFlight, inFlightTimed, pairs } = P.provisioning
    const pids = [daemon.pid, provisioningReference.pid]
    const measured = (f) => withForeignCpu(pids, f)
    const paired = await measured(() =>
      pairedRun(daemon.port, provisioningReference.port, floorDir, fixture.provisionWalletIds, pairs)
    )
    const round = {
      sequential: checkAll2xx(`${name} provisioning sequential`, { ...paired.daemon, foreignCores: paired.foreignCores }),
      sequentialReference: checkAll2xx(`${name} reference provisioning sequential`,
        { ...paired.reference, foreignCores: paired.foreignCores }),
      sequentialFloor: { ...paired.floor, foreignCores: paired.foreignCores },
      inFlight: checkAll2xx(`${name} provisioning ${inFlight} in flight`, withCpuPerRequest(
        await measured(() => provisioningLoad(daemon.port, fixture.provisionWalletIds, inFlight, inFlightTimed)), pids, daemon.pid)),
      inFlightReference: checkAll2xx(`${name} reference provisioning ${inFlight} in flight`, withCpuPerRequest(
        await measured(() => provisioningLoad(provisioningReference.port, fixture.provisionWalletIds, inFlight, inFlightTimed)),
        pids,
        provisioningReference.pid
      )),
      inFlightFloor: await measured(() => floorRun(floorDir, fixture.provisionWalletIds, inFlight, inFlightTimed))
    }
    out.provisioning.push(round)
    const p50 = (key) => fmt(round[key].latency.p50, 1)
    log(`${name}: provisioning round ${r + 1}: sequential p50 ${p50("sequential")} ms (reference ${p50("sequentialReference")}, ` +
      `floor ${p50("sequentialFloor")}), ${inFlight} in flight p50 ${p50("inFlight")} ms (reference ${p50("inFlightReference")}, ` +
      `floor ${p50("inFlightFloor")}) (other CPU ${fmt(Math.max(...Object.values(round).map((x) => x.foreignCores)), 2)} cores)`)
  }
  await provisioningReference?.stop()

  // 5. Under attack: the same session-auth load, alone and next to a flood of wrong master passwords.
  // Last on this daemon: the flood locks the master password (429) for a long time afterwards.
  if (attack && phases.has("attack")) {
    for (let r = 0; r < P.attack.rounds; r++) {
      const round = {}
      for (const kind of r % 2 === 0 ? ["idle", "flood"] : ["flood", "idle"]) {
        if (kind === "idle") {
          round.idle = checkAll2xx(`${name} session auth idle`,
            await withForeignCpu([daemon.pid], () => sessionLoad(daemon.port, fixture.tokens, P.attack.durationS, P.attack.warmupS)))
        } else {
          round.flood = checkAll2xx(`${name} session auth under flood`, await withForeignCpu([daemon.pid], async () => {
            // The flood starts first and outlasts the measured load (its warm-up included) on both ends.
            const flood = floodLoad(daemon.port, fixture.provisionWalletIds[0], P.attack.durationS + P.attack.warmupS + 2 * P.attack.leadS + 0.5)
            await sleep(P.attack.leadS * 1000)
            const session = await sessionLoad(daemon.port, fixture.tokens, P.attack.durationS, P.attack.warmupS)
            round.flooder = await flood
            return { ...session, cpuS: session.cpuS + round.flooder.cpuS }
          }))
        }
      }
      out.attack.push(round)
      log(`${name}: attack round ${r + 1}: idle p99 ${fmt(round.idle.latency.p99, 2)} ms, under flood p99 ${fmt(round.flood.latency.p99, 2)} ms ` +
        `(flood ${fmt(round.flooder.total / round.flooder.durationS, 0)} req/s ${JSON.stringify(round.flooder.statusCodes)})` +
        ` (other CPU ${fmt(Math.max(round.idle.foreignCores, round.flood.foreignCores), 2)} cores)`)
    }
  }
  out.rssMbAtEnd = daemon.rssKb() / 1024
  await daemon.stop()
  return out
}

// ---------------------------------------------------------------------------------------------------
const machine = () => {
  const cpuinfo = fs.existsSync("/proc/cpuinfo") ? fs.readFileSync("/proc/cpuinfo", "utf8") : ""
  const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? "unknown"
  const git = (...a) => {
    try {
      return execFileSync("git", a, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
    } catch {
      return undefined
    }
  }
  return {
    nproc: os.availableParallelism(),
    cpuModel: model,
    memoryGb: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    commit: git("rev-parse", "--short", "HEAD"),
    uncommittedFiles: git("status", "--porcelain")?.split("\n").filter(Boolean).length
  }
}

// ---------------------------------------------------------------------------------------------------
// --profile: the daemon under node --cpu-prof; only the samples taken while each load ran are counted.
const profileRun = async (fixture) => {
  const dir = copyDataDir(fixture.dir, "profile")
  const profDir = path.join(work, "cpuprofiles")
  const daemon = track(await startDaemon({
    dataDir: dir,
    password: PASSWORD,
    logFile: logFile("profile"),
    nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profDir}`, "--cpu-prof-interval=250"]
  }))
  const nowUs = () => Number(process.hrtime.bigint() / 1000n)
  // Start-up: everything the profile holds until the first 200 on /health.
  const windows = { start: { fromUs: 0, toUs: nowUs() } }
  await sessionLoad(daemon.port, fixture.tokens, 1, 0) // warm-up, outside the window
  windows.session = { fromUs: nowUs() }
  const session = checkAll2xx("profile session auth", await sessionLoad(daemon.port, fixture.tokens, args.quick ? 2 : 10, 0))
  windows.session.toUs = nowUs()
  windows.provisioning = { fromUs: nowUs() }
  const provisioning = checkAll2xx("profile provisioning", await provisioningLoad(daemon.port, fixture.provisionWalletIds, 1, args.quick ? 5 : 60))
  windows.provisioning.toUs = nowUs()
  await daemon.stop()
  const file = fs.readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"))
  if (file === undefined) throw new Error("the daemon wrote no .cpuprofile (did it exit cleanly on SIGTERM?)")
  const profile = JSON.parse(fs.readFileSync(path.join(profDir, file), "utf8"))
  const outDir = path.join(BENCH_DIR, "profiles")
  fs.mkdirSync(outDir, { recursive: true })
  fs.copyFileSync(path.join(profDir, file), path.join(outDir, "daemon.cpuprofile"))
  fs.writeFileSync(path.join(outDir, "windows.json"), JSON.stringify({
    windows,
    requests: { start: 1, session: session.total, provisioning: provisioning.total }
  }, null, 1) + "\n")
  for (const [name, window] of Object.entries(windows)) {
    const header = name === "start"
      ? `waiaas start, spawn to first 200 on /health: ${fmt(daemon.startMs, 0)} ms`
      : name === "session"
      ? `GET /v1/session, ${P.session.connections} connections: ${fmt(session.rps, 0)} req/s, p99 ${fmt(session.latency.p99, 2)} ms`
      : `POST /v1/mcp/tokens, sequential: p50 ${fmt(provisioning.latency.p50, 1)} ms, p99 ${fmt(provisioning.latency.p99, 1)} ms`
    const text = `${header} (profiled: sampling slows the daemon)\n${renderProfile(summarizeProfile(profile, 40, window))}\n`
    fs.writeFileSync(path.join(outDir, `${name}.txt`), text)
    process.stdout.write(`\n== ${name} ==\n${text}`)
  }
  log(`profiles: bench/profiles/{start,session,provisioning}.txt, raw bench/profiles/daemon.cpuprofile (open in Chrome DevTools)`)
}

const main = async () => {
  log(`${args.quick ? "quick" : "full"} run; daemon ${path.relative(ROOT, DAEMON_BIN)}; work dir ${work}`)
  const fixture = await createFixture()
  log(`fixture: ${fixture.tokens.length} session tokens, ${fixture.provisionWalletIds.length} wallets to provision`)
  if (args.profile) return profileRun(fixture)

  const empty = await scenario("empty", copyDataDir(fixture.dir, "empty"), fixture, { starts: P.starts.empty, attack: true })

  let seed = { seededWallets: 0, seededSessions: 0, seconds: Number.NaN }
  let scaled = { startMs: [], rssMb: [], rssLoad: [], session: [], provisioning: [], attack: [] }
  if (phases.has("scale")) {
    // The fixture's own wallets and sessions stay: the same tokens and wallets are measured, now among
    // a million other sessions.
    const seededDir = fixture.dir
    const twinDir = copyDataDir(fixture.dir, "scaled-twin")
    seed = await runJsonChild(SEED_SCRIPT, {
      db: path.join(seededDir, "waiaas.db"),
      tokenDir: path.join(seededDir, "mcp-tokens"),
      wallets: P.seedWallets,
      sessions: P.seedSessions
    })
    log(`seeded ${seed.seededSessions} sessions across ${seed.seededWallets} wallets (+ ${seed.tokenFiles} token files) in ${fmt(seed.seconds, 1)} s`)
    scaled = await scenario("scaled", seededDir, fixture, { starts: P.starts.scaled, attack: false, twinDir })
  }

  const results = summarize({ empty, scaled, seed })
  fs.mkdirSync(path.dirname(outFile), { recursive: true })
  fs.writeFileSync(outFile, JSON.stringify(results, null, 2) + "\n")
  process.stdout.write(renderTable(results) + "\n")
  log(`wrote ${path.relative(process.cwd(), outFile) || outFile}`)
  if (problems.length > 0) {
    process.stderr.write(`bench: some loads were not all 2xx (their figures are suspect):\n  ${problems.join("\n  ")}\n`)
    process.exitCode = 2
  }
}

// ---------------------------------------------------------------------------------------------------
// Figures: medians over rounds, then ratios. `figures` is the flat list the table and the smoke test use.
const summarize = ({ empty, scaled, seed }) => {
  const med = (rounds, f) => median(rounds.map(f))
  const sessionOf = (s) => ({
    oursRps: med(s.session, (r) => r.ours.rps),
    oursP50: med(s.session, (r) => r.ours.latency.p50),
    oursP99: med(s.session, (r) => r.ours.latency.p99),
    refRps: med(s.session, (r) => r.reference.rps),
    refP99: med(s.session, (r) => r.reference.latency.p99),
    ratio: med(s.session, (r) => r.ours.rps / r.reference.rps),
    oursCpuUs: med(s.session, (r) => r.ours.cpuUsPerRequest),
    refCpuUs: med(s.session, (r) => r.reference.cpuUsPerRequest),
    cpuRatio: med(s.session, (r) => r.reference.cpuUsPerRequest / r.ours.cpuUsPerRequest)
  })
  // Provisioning: percentiles of the latencies pooled over every round (each round is a small batch).
  const pooled = (rounds, key, q) => quantile(rounds.flatMap((r) => r[key].samples ?? []), q)
  const provOf = (s) => {
    const side = (load, floor) => ({
      p50: pooled(s.provisioning, load, 0.5),
      p99: pooled(s.provisioning, load, 0.99),
      floorP50: pooled(s.provisioning, floor, 0.5),
      floorP99: pooled(s.provisioning, floor, 0.99),
      overFloor: pooled(s.provisioning, load, 0.5) - pooled(s.provisioning, floor, 0.5)
    })
    return {
      sequential: side("sequential", "sequentialFloor"),
      inFlight: side("inFlight", "inFlightFloor"),
      sequentialReference: side("sequentialReference", "sequentialFloor"),
      inFlightReference: side("inFlightReference", "inFlightFloor"),
      inFlightCpuMs: {
        ours: med(s.provisioning, (r) => r.inFlight.cpuMsPerRequest),
        reference: med(s.provisioning, (r) => r.inFlightReference.cpuMsPerRequest),
        floor: med(s.provisioning, (r) => r.inFlightFloor.cpuMsPerOperation),
        loadGenerator: med(s.provisioning, (r) => r.inFlight.loadCpuMsPerRequest)
      }
    }
  }
  const se = sessionOf(empty)
  const ss = sessionOf(scaled)
  // Session auth at scale against the empty database: each round's own comparison with the twin (our
  // daemon on the database as it was before seeding, measured in the same round) when there is one.
  const twinRounds = scaled.session.filter((r) => r.twin !== undefined)
  const sideBySide = twinRounds.length > 0 ? " (same rounds)" : ""
  const scale = twinRounds.length > 0
    ? {
      rps: med(twinRounds, (r) => r.ours.rps / r.twin.rps),
      p99: med(twinRounds, (r) => r.twin.latency.p99 / r.ours.latency.p99),
      cpu: med(twinRounds, (r) => r.twin.cpuUsPerRequest / r.ours.cpuUsPerRequest)
    }
    : { rps: ss.oursRps / se.oursRps, p99: se.oursP99 / ss.oursP99, cpu: se.oursCpuUs / ss.oursCpuUs }
  const pe = provOf(empty)
  const ps = provOf(scaled)
  const attack = {
    idleP99: med(empty.attack, (r) => r.idle.latency.p99),
    floodP99: med(empty.attack, (r) => r.flood.latency.p99),
    ratio: med(empty.attack, (r) => r.flood.latency.p99 / r.idle.latency.p99),
    floodRps: med(empty.attack, (r) => r.flooder.total / r.flooder.durationS),
    sessionRpsUnderFlood: med(empty.attack, (r) => r.flood.rps)
  }
  // The most CPU other processes used (in cores) during any load behind a figure: ~0 on a quiet machine.
  const other = (...groups) =>
    Math.max(0, ...groups.flatMap(([rounds, keys]) => rounds.flatMap((r) => keys.map((k) => (k === "" ? r : r[k])?.foreignCores ?? 0))))
  const noise = {
    session: other([empty.session, ["ours", "reference"]]),
    provSeq: other([empty.provisioning, ["sequential", "sequentialReference", "sequentialFloor"]]),
    provPar: other([empty.provisioning, ["inFlight", "inFlightReference", "inFlightFloor"]]),
    scaleSession: other([empty.session, ["ours"]], [scaled.session, ["ours", "reference", "twin"]]),
    scaleProv: other([empty.provisioning, ["sequential", "inFlight"]], [scaled.provisioning, ["sequential", "inFlight"]]),
    start: other([empty.rssLoad, [""]]),
    scaleStart: other([scaled.rssLoad, [""]]),
    attack: other([empty.attack, ["idle", "flood"]])
  }
  const n = P.provisioning.inFlight
  const seeded = `${(P.seedSessions / 1e6).toLocaleString("en")}M sessions`
  const noiseFor = (id) =>
    id.startsWith("session.") ? noise.session
    : id.startsWith("prov.seq.") ? noise.provSeq
    : id.startsWith("prov.par.") ? noise.provPar
    : id.startsWith("scale.session.") ? noise.scaleSession
    : id.startsWith("scale.prov.") ? noise.scaleProv
    : id.startsWith("scale.start.") ? noise.scaleStart
    : id.startsWith("start.") ? noise.start
    : noise.attack
  const F = (id, label, value, unit, extra = {}) => ({
    id,
    label,
    value: round(value, unit === "req/s" ? 0 : 2),
    unit,
    ...extra,
    otherCpuCores: round(noiseFor(id), 2)
  })
  const target = (value, op, bound) => ({ target: `${op} ${bound}`, pass: op === ">=" ? value >= bound : value <= bound })

  const figures = [
    F("session.rps", "1. Session auth GET /v1/session, 32 conns: ours", se.oursRps, "req/s"),
    F("session.p99", "   ours p99", se.oursP99, "ms"),
    F("session.ref_rps", "   reference (node:http + jose + better-sqlite3)", se.refRps, "req/s"),
    F("session.ref_p99", "   reference p99", se.refP99, "ms"),
    F("session.ratio", "   ours / reference throughput", se.ratio, "x", target(se.ratio, ">=", 0.8)),
    F("session.cpu_us", "   server CPU per request: ours", se.oursCpuUs, "µs"),
    F("session.ref_cpu_us", "   server CPU per request: reference", se.refCpuUs, "µs"),
    F("session.cpu_ratio", "   reference / ours CPU per request (noise-robust ratio)", se.cpuRatio, "x"),
    F("prov.seq.p50", "2. Provisioning POST /v1/mcp/tokens, sequential: p50", pe.sequential.p50, "ms"),
    F("prov.seq.p99", "   sequential p99", pe.sequential.p99, "ms"),
    F("prov.seq.floor_p50", "   floor p50 (argon2 verify + SQLite tx + atomic file)", pe.sequential.floorP50, "ms"),
    F("prov.seq.floor_p99", "   floor p99", pe.sequential.floorP99, "ms"),
    F("prov.seq.over_floor", "   p50 - floor p50", pe.sequential.overFloor, "ms", target(pe.sequential.overFloor, "<=", 2)),
    F("prov.seq.ref_over_floor", "   plain node:http reference: p50 - floor p50", pe.sequentialReference.overFloor, "ms"),
    F("prov.par.p50", `   ${n} in flight: p50`, pe.inFlight.p50, "ms"),
    F("prov.par.p99", `   ${n} in flight p99`, pe.inFlight.p99, "ms"),
    F("prov.par.floor_p50", `   floor p50, ${n} in flight`, pe.inFlight.floorP50, "ms"),
    F("prov.par.floor_p99", `   floor p99, ${n} in flight`, pe.inFlight.floorP99, "ms"),
    F("prov.par.over_floor", "   p50 - floor p50", pe.inFlight.overFloor, "ms", target(pe.inFlight.overFloor, "<=", 2)),
    F("prov.par.ref_over_floor", "   plain node:http reference: p50 - floor p50", pe.inFlightReference.overFloor, "ms"),
    F("prov.par.cpu_ms", `   CPU per provisioning, ${n} in flight, all threads: ours`, pe.inFlightCpuMs.ours, "ms"),
    F("prov.par.ref_cpu_ms", "   the same: plain node:http reference", pe.inFlightCpuMs.reference, "ms"),
    F("prov.par.floor_cpu_ms", "   the same: floor", pe.inFlightCpuMs.floor, "ms"),
    F("prov.par.load_cpu_ms", "   load generator CPU per request (on the same cores)", pe.inFlightCpuMs.loadGenerator, "ms"),
    F("scale.session.rps", `3. At ${seeded}: session auth`, ss.oursRps, "req/s"),
    F("scale.session.rps_ratio", `   throughput, scaled / empty${sideBySide}`, scale.rps, "x", target(scale.rps, ">=", 0.9)),
    F("scale.session.p99", "   p99", ss.oursP99, "ms"),
    F("scale.session.p99_ratio", `   p99, empty / scaled${sideBySide}`, scale.p99, "x", target(scale.p99, ">=", 0.9)),
    F("scale.session.cpu_ratio", "   CPU per request, empty / scaled (noise-robust)", scale.cpu, "x"),
    F("scale.session.ref_ratio", "   ours / reference at scale", ss.ratio, "x"),
    F("scale.prov.seq.p50", "   provisioning sequential p50", ps.sequential.p50, "ms"),
    F("scale.prov.seq.ratio", "   sequential p50, empty / scaled", pe.sequential.p50 / ps.sequential.p50, "x",
      target(pe.sequential.p50 / ps.sequential.p50, ">=", 0.9)),
    F("scale.prov.seq.over_floor", "   sequential p50 - floor p50", ps.sequential.overFloor, "ms"),
    F("scale.prov.par.p50", `   provisioning ${n} in flight p50`, ps.inFlight.p50, "ms"),
    F("scale.prov.par.ratio", `   ${n} in flight p50, empty / scaled`, pe.inFlight.p50 / ps.inFlight.p50, "x",
      target(pe.inFlight.p50 / ps.inFlight.p50, ">=", 0.9)),
    F("start.ms", "4. Start: spawn to first 200 on /health", median(empty.startMs), "ms", target(median(empty.startMs), "<=", 1000)),
    F("start.rss", `   RSS after ${P.rssRequests.toLocaleString("en")} requests`, median(empty.rssMb), "MB", target(median(empty.rssMb), "<=", 150)),
    F("start.rss_end", "   RSS after every load of this run", empty.rssMbAtEnd, "MB"),
    F("scale.start.ms", `   start at ${seeded}`, median(scaled.startMs), "ms", target(median(scaled.startMs), "<=", 1000)),
    F("scale.start.rss", `   RSS at ${seeded}`, median(scaled.rssMb), "MB", target(median(scaled.rssMb), "<=", 150)),
    F("scale.start.rss_end", `   RSS at ${seeded} after every load of this run`, scaled.rssMbAtEnd ?? Number.NaN, "MB"),
    F("attack.idle_p99", "5. Session auth p99, idle", attack.idleP99, "ms"),
    F("attack.flood_p99", `   p99 during a wrong-password flood (${P.attack.floodConnections} conns)`, attack.floodP99, "ms"),
    F("attack.ratio", "   flood / idle", attack.ratio, "x", target(attack.ratio, "<=", 2)),
    F("attack.flood_rps", "   flood answered (401/429)", attack.floodRps, "req/s"),
    F("attack.session_rps", "   session auth throughput during the flood", attack.sessionRpsUnderFlood, "req/s")
  ]
  return {
    generatedAt: new Date().toISOString(),
    command: ["node bench/run.mjs", ...process.argv.slice(2)].join(" "),
    mode: args.quick ? "quick" : "full",
    durationS: round((performance.now() - t0) / 1000, 1),
    machine: machine(),
    daemon: path.relative(ROOT, DAEMON_BIN),
    nice: Number(process.env.BENCH_NICE ?? 0),
    params: P,
    figures,
    problems,
    seed,
    raw: { empty, scaled }
  }
}

const renderTable = (results) => {
  const rows = results.figures.map((f) => [
    f.label,
    `${typeof f.value === "number" ? f.value.toLocaleString("en", { maximumFractionDigits: 2 }) : f.value} ${f.unit}`,
    f.target ?? "",
    f.pass === undefined ? "" : f.pass ? "ok" : "MISS",
    f.otherCpuCores >= 0.05 ? f.otherCpuCores.toFixed(2) : ""
  ])
  const head = ["figure", "value", "target", "", "other CPU"]
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells) => `| ${cells.map((c, i) => (i === 1 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(" | ")} |`
  const m = results.machine
  return [
    `WAIaaS bench (${results.mode}) — ${m.nproc} cores ${m.cpuModel}, ${m.memoryGb} GB, Node ${m.node}, ${m.os}; ` +
    `commit ${m.commit ?? "?"}${m.uncommittedFiles ? ` + ${m.uncommittedFiles} uncommitted files` : ""}; ${results.durationS} s`,
    line(head),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "Medians over rounds (each round alternates the two sides of a comparison); provisioning: percentiles of the " +
    "latencies pooled over the rounds (sequential: daemon, reference and floor one by one, the order rotating; 8 in flight: interleaved batches, each one's first 8 answers, its starting burst, untimed).",
    "other CPU: the most CPU (in cores) that processes other than the bench's used during any run behind the figure; " +
    "blank when under 0.05 (a quiet machine)."
  ].join("\n")
}

try {
  await main()
} catch (error) {
  process.stderr.write(`bench failed: ${error?.stack ?? error}\n(logs in ${work}; kept)\n`)
  args.keep = true
  process.exitCode = 1
} finally {
  await cleanup()
}
