import { afterAll, beforeAll, describe, expect, it, layer } from "@effect/vitest"
import { dataDirLayout } from "@waiaas/adapters"
import { Effect, FastCheck as fc, Layer, Supervisor } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { freePort } from "../testing/DaemonProcess.js"
import { TEST_PASSWORD, TestDaemon, TestDaemonLive } from "../testing/TestDaemon.js"
import { type FuzzCase, type FuzzContext, fuzzCase } from "./testing/fuzz.js"
import { errorShapeProblem, type RawOutcome, request, sendRaw } from "./testing/http.js"
import { claimsOf, invariantViolations, readDiskState } from "./testing/invariants.js"
import { reportFigures, scaled, timeoutFor } from "./testing/mode.js"
import { killHard, type LaunchedDaemon, startListening } from "./testing/process.js"
import { seedDataDir } from "./testing/seed.js"

// Generated requests: bodies, JSON nesting, huge strings, wrong types, unicode, path and query junk, odd
// methods, header abuse (duplicates, oversized, missing Host), wallet ids like ../../etc/passwd.
// - Against the real daemon: never a 5xx, never a response without the error shape, never a file outside
//   DATA_DIR/mcp-tokens; the process stays up, its heap (capped), open files and memory stay flat, and the
//   invariants hold afterwards.
// - Against the HTTP app in-process, with every fiber tracked: no request leaves a fiber behind (each
//   would keep its request, response and socket alive for good).
// Reproduce a run with WAIAAS_FUZZ_SEED=<the seed in the figures line>.

const PASSWORD = "fuzz test master password"
/** WAIAAS_RELIABILITY_FUZZ overrides the count, for a quick local run. */
const TOTAL = Number(process.env.WAIAAS_RELIABILITY_FUZZ ?? scaled(10_000, 100_000))
const IN_PROCESS_TOTAL = Math.max(500, Math.round(TOTAL / 5))
/** The last tenth guesses wrong passwords (the lockout engages); the rest use the right one or none. */
const WRONG_PASSWORD_SHARE = 0.1
const CONCURRENCY = 8
const BATCH = 500
const SEED = Number(process.env.WAIAAS_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))
/** The daemon's V8 heap limit during the fuzz (it needs ~65 MiB): a leak makes it die, which is seen. */
const HEAP_LIMIT_MIB = 128
/** Growth allowed from the end of the warm-up to the end: of the heap after full GCs, and of RSS. */
const HEAP_GROWTH_LIMIT_MIB = 16
const RSS_GROWTH_LIMIT_MIB = 96

/** Checks one response against the contract; returns what is wrong with it, if anything. */
const problemWith = (testCase: FuzzCase, outcome: RawOutcome): string | undefined => {
  if (outcome._tag === "NoReply") return `no response (${outcome.reason}): ${testCase.summary}`
  const { body, headers, status } = outcome.reply
  if (status >= 500 || status < 100) return `${status}: ${testCase.summary}: ${body.slice(0, 200)}`
  if (status < 400 || testCase.method === "HEAD") return undefined
  const problem = errorShapeProblem(status, body)
  if (problem !== undefined) return `${problem}: ${testCase.summary}`
  if (headers["x-request-id"] !== undefined && JSON.parse(body).requestId !== headers["x-request-id"]) {
    return `requestId differs from X-Request-Id: ${testCase.summary}`
  }
  return undefined
}

/** Tallies of what the daemon answered: status classes, and error codes. */
class Tally {
  readonly classes = new Map<string, number>()
  readonly codes = new Map<string, number>()
  count(outcome: RawOutcome) {
    if (outcome._tag === "NoReply") return this.add(this.classes, "none")
    const { body, status } = outcome.reply
    this.add(this.classes, `${Math.floor(status / 100)}xx`)
    if (status >= 400) {
      let code = "?" // HEAD: no body
      try {
        code = JSON.parse(body).code
      } catch {
        // keep "?"
      }
      this.add(this.codes, `${status} ${code}`)
    }
  }
  private add(map: Map<string, number>, key: string) {
    map.set(key, (map.get(key) ?? 0) + 1)
  }
}

/** Sends `cases` over `concurrency` connections at a time; returns the problems found. */
const sendAll = async (port: number, cases: ReadonlyArray<FuzzCase>, tally: Tally, concurrency: number) => {
  const problems: Array<string> = []
  let next = 0
  const worker = async () => {
    while (next < cases.length) {
      const testCase = cases[next++]!
      const outcome = await sendRaw(port, testCase.bytes, { isHead: testCase.method === "HEAD", timeoutMs: 10_000 })
      tally.count(outcome)
      const problem = problemWith(testCase, outcome)
      if (problem !== undefined) problems.push(problem)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return problems
}

/** Every path under `root` (relative), with a trailing slash for directories. */
const tree = (root: string): Set<string> => {
  const paths = new Set<string>()
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      paths.add(entry.isDirectory() ? `${path.relative(root, full)}/` : path.relative(root, full))
      if (entry.isDirectory()) walk(full)
    }
  }
  walk(root)
  return paths
}

/** What the daemon may add or remove in the sandbox: token files, and its database's WAL files. */
const allowedChange = /^data\/(mcp-tokens\/[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|waiaas\.db(-wal|-shm)?)$/

/** The heap size after each full GC, from --trace-gc output (MiB). */
const heapAfterFullGcs = (output: string): Array<number> =>
  [...output.matchAll(/Mark-Compact [\d.]+ \([\d.]+\) -> ([\d.]+) \(/g)].map((m) => Number(m[1]))

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const dirs: Array<string> = []
let sandbox: string
let dataDir: string
let daemon: LaunchedDaemon
let context: Omit<FuzzContext, "rightPasswordOnly">
let figures: Record<string, number> = {}

beforeAll(async () => {
  // The data dir sits in a sandbox, so that anything written beside it (../../etc/passwd) would be seen.
  sandbox = fs.mkdtempSync(path.join(os.tmpdir(), "waiaas-fuzz-"))
  dirs.push(sandbox)
  dataDir = path.join(sandbox, "data")
  fs.mkdirSync(dataDir, { mode: 0o700 })
  fs.mkdirSync(path.join(sandbox, "etc"))
  fs.writeFileSync(path.join(sandbox, "etc", "passwd"), "root:x:0:0::/root:/bin/sh\n")
  const walletIds = await seedDataDir({ dataDir, password: PASSWORD, wallets: 12, mcp: { ttl: 3600, agedBy: 1900 } })
  const tokens = walletIds.map((id) => fs.readFileSync(path.join(dataDirLayout(dataDir).tokenDir, id), "utf8").trimEnd())
  daemon = await startListening({
    dataDir,
    port: await freePort(),
    password: PASSWORD,
    nodeArgs: [`--max-old-space-size=${HEAP_LIMIT_MIB}`, "--trace-gc"]
  })
  context = { port: daemon.port, password: PASSWORD, walletIds, tokens, sessionIds: tokens.map((t) => claimsOf(t).sub!) }
}, 120_000)

afterAll(async () => {
  if (daemon !== undefined) await killHard(daemon)
  reportFigures("fuzz", { seed: SEED, ...figures })
  dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }))
})

describe("fuzzing the real daemon over raw HTTP", () => {
  it(`${TOTAL} generated requests: no 5xx, always the error shape, no file outside mcp-tokens, up and flat`, async () => {
    const before = tree(sandbox)
    const passwdBefore = fs.readFileSync("/etc/passwd", "utf8")
    const tally = new Tally()
    const problems: Array<string> = []
    const rightPasswordCases = Math.floor(TOTAL * (1 - WRONG_PASSWORD_SHARE))
    const startedAt = Date.now()
    let warm: { rss: number; fds: number; output: number } | undefined
    let peakRss = 0
    let done = 0
    for (let index = 0; index < TOTAL && problems.length < 25; index += BATCH) {
      const cases = fc.sample(fuzzCase({ ...context, rightPasswordOnly: index < rightPasswordCases }), {
        numRuns: Math.min(BATCH, TOTAL - index),
        seed: SEED + index
      })
      problems.push(...await sendAll(daemon.port, cases, tally, CONCURRENCY))
      done += cases.length
      expect(daemon.child.exitCode).toBeNull() // a crash (an exhausted heap included) ends it here
      expect(daemon.child.signalCode).toBeNull()
      const rss = daemon.rssKiB() ?? 0
      peakRss = Math.max(peakRss, rss)
      if (warm === undefined && done >= TOTAL / 4) {
        warm = { rss, fds: daemon.openFds() ?? 0, output: daemon.output().length }
      }
    }
    const seconds = Math.round((Date.now() - startedAt) / 1000)
    expect(problems.slice(0, 25)).toEqual([])
    expect((await request(daemon.port, { path: "/health" })).status).toBe(200)

    // Flat: open files, the heap after full GCs, RSS.
    const end = { rss: daemon.rssKiB() ?? 0, fds: daemon.openFds() ?? 0 }
    const warmHeap = heapAfterFullGcs(daemon.output().slice(0, warm!.output))
    const endHeap = heapAfterFullGcs(daemon.output()).slice(-5)
    expect(end.fds).toBeLessThanOrEqual(warm!.fds + 4)
    if (warmHeap.length > 0 && endHeap.length > 0) {
      expect(median(endHeap) - median(warmHeap.slice(-5))).toBeLessThan(HEAP_GROWTH_LIMIT_MIB)
    }
    expect((end.rss - warm!.rss) / 1024).toBeLessThan(RSS_GROWTH_LIMIT_MIB)

    // Nothing written outside the token directory (and the database), nothing left inconsistent, no secret printed.
    const after = tree(sandbox)
    const changed = [...after].filter((p) => !before.has(p)).concat([...before].filter((p) => !after.has(p)))
    expect(changed.filter((p) => !allowedChange.test(p))).toEqual([])
    expect(fs.readFileSync(path.join(sandbox, "etc", "passwd"), "utf8")).toBe("root:x:0:0::/root:/bin/sh\n")
    expect(fs.readFileSync("/etc/passwd", "utf8")).toBe(passwdBefore)
    expect(invariantViolations(await readDiskState(dataDir), { maxSessionsPerWallet: 5 })).toEqual([])
    expect(context.tokens.filter((token) => daemon.output().includes(token))).toEqual([])
    expect(daemon.output()).not.toContain(PASSWORD)

    process.stdout.write(`[reliability] fuzz error codes: ${JSON.stringify(Object.fromEntries([...tally.codes].sort((a, b) => b[1] - a[1])))}\n`)
    figures = {
      ...figures,
      requestsFuzzed: done,
      ...Object.fromEntries(tally.classes),
      openFdsWarm: warm!.fds,
      openFdsEnd: end.fds,
      heapAfterGcWarmMiB: warmHeap.length > 0 ? median(warmHeap.slice(-5)) : 0,
      heapAfterGcEndMiB: endHeap.length > 0 ? median(endHeap) : 0,
      rssWarmMiB: Math.round(warm!.rss / 1024),
      rssEndMiB: Math.round(end.rss / 1024),
      rssPeakMiB: Math.round(peakRss / 1024),
      seconds
    }
  }, timeoutFor(300_000))
})

// The HTTP app in this process, with a supervisor tracking every fiber it forks: after each batch, the
// number of live fibers must come back to where it was.
const tracker = Effect.runSync(Supervisor.track)

layer(TestDaemonLive({ stack: "sqlite" }).pipe(Layer.provide(Supervisor.addSupervisor(tracker))), {
  timeout: 60_000,
  excludeTestServices: true
})("fuzzing the HTTP app in-process, every fiber tracked", (it) => {
  it.effect(`${IN_PROCESS_TOTAL} generated requests leave no fiber behind`, () =>
    Effect.gen(function*() {
      const daemon = yield* TestDaemon
      const wallet = (yield* daemon.admin({ method: "POST", path: "/v1/wallets", body: { name: "fibers" } })).json
      const provisioned = yield* daemon.admin({ method: "POST", path: "/v1/mcp/tokens", body: { walletId: wallet.id } })
      const token = fs.readFileSync(provisioned.json.tokenPath, "utf8").trimEnd()
      const inProcessContext: FuzzContext = {
        port: daemon.port,
        password: TEST_PASSWORD,
        walletIds: [wallet.id],
        tokens: [token],
        sessionIds: [claimsOf(token).sub!],
        rightPasswordOnly: true
      }
      const baseline = (yield* tracker.value).length
      const tally = new Tally()
      for (let index = 0; index < IN_PROCESS_TOTAL; index += BATCH) {
        const cases = fc.sample(fuzzCase(inProcessContext), { numRuns: Math.min(BATCH, IN_PROCESS_TOTAL - index), seed: SEED + 7 + index })
        expect(yield* Effect.promise(() => sendAll(daemon.port, cases, tally, CONCURRENCY))).toEqual([])
        // Responses are out; what remains must be fibers finishing up: wait (bounded) for them to end.
        let live = (yield* tracker.value).length
        for (let i = 0; i < 50 && live > baseline; i++) {
          yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
          live = (yield* tracker.value).length
        }
        expect(live - baseline).toBe(0)
      }
      figures = { ...figures, inProcessRequests: IN_PROCESS_TOTAL, fibersLeftBehind: (yield* tracker.value).length - baseline }
    }), timeoutFor(120_000))
})
