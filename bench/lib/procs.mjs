// Processes under test: the daemon (built CLI), the reference server, and the load/floor/seed children.
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as http from "node:http"
import * as net from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
export const ROOT = path.dirname(BENCH_DIR)
/**
 * The CLI under test, as users run it (`npm start`, `waiaas start`): the launcher, whose shebang carries its
 * launch settings. BENCH_DAEMON_BIN points at another build (e.g. a patched copy, to compare).
 */
export const DAEMON_BIN = process.env.BENCH_DAEMON_BIN ?? path.join(ROOT, "packages/server/bin/waiaas.js")

/**
 * The environment and node flags of a launcher's `#!/usr/bin/env -S VAR=value … node --flag …` line, so
 * that the daemon runs with exactly those while the bench still adds its own flags (profiling, nice).
 */
export const launchSettingsOf = (bin) => {
  const first = fs.readFileSync(bin, "utf8").split("\n", 1)[0]
  const match = /^#!\/usr\/bin\/env -S (.*)$/.exec(first)
  if (match === null) return { env: {}, nodeArgs: [] }
  const words = match[1].trim().split(/\s+/)
  const nodeAt = words.indexOf("node")
  if (nodeAt === -1) throw new Error(`${bin}: the shebang does not run node: ${first}`)
  const env = Object.fromEntries(words.slice(0, nodeAt).map((word) => [word.slice(0, word.indexOf("=")), word.slice(word.indexOf("=") + 1)]))
  return { env, nodeArgs: words.slice(nodeAt + 1) }
}

/**
 * BENCH_NICE=-10 (run.mjs --nice -10): every process the bench starts runs at that nice value, all its
 * threads included (through nice(1), so threads inherit it), so that other work on a shared machine
 * disturbs the figures less. 0 (the default) changes nothing.
 */
const node = (args, options) => {
  const nice = Number(process.env.BENCH_NICE ?? 0)
  return nice === 0 ? spawn(process.execPath, args, options) : spawn("nice", ["-n", String(nice), process.execPath, ...args], options)
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

export const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })

/** One HTTP request on a fresh connection; resolves {status, body} (body parsed as JSON when it is JSON). */
export const request = (port, { method = "GET", path: urlPath, headers = {}, body }) =>
  new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body)
    const req = http.request({
      host: "127.0.0.1",
      port,
      method,
      path: urlPath,
      agent: false,
      headers: {
        ...(payload === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }),
        ...headers
      }
    }, (res) => {
      const chunks = []
      res.on("data", (c) => chunks.push(c))
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8")
        let parsed = text
        try {
          parsed = JSON.parse(text)
        } catch {}
        resolve({ status: res.statusCode, body: parsed })
      })
    })
    req.on("error", reject)
    if (payload !== undefined) req.write(payload)
    req.end()
  })

const exitOf = (child) =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode ?? child.signalCode)
    child.once("exit", (code, signal) => resolve(code ?? signal))
  })

const rssKb = (pid) => {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8")
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(status)
  return match ? Number(match[1]) : Number.NaN
}

/**
 * Starts `waiaas start` on `dataDir` and polls GET /health on fresh connections until the first 200.
 * `startMs` is from just before spawn() to that 200. Output goes to `DATA_DIR/../<name>.log` (a file, as a
 * service manager would keep it), never through this process.
 */
export const startDaemon = async ({ dataDir, password, logFile, env = {}, nodeArgs = [], timeoutMs = 30_000, bin = DAEMON_BIN }) => {
  const port = await freePort()
  const out = fs.openSync(logFile, "a")
  const t0 = performance.now()
  // BENCH_DAEMON_NODE_ARGS="--max-semi-space-size=8": node flags for the daemon, for an A/B comparison.
  const extraNodeArgs = (process.env.BENCH_DAEMON_NODE_ARGS ?? "").split(" ").filter(Boolean)
  const launch = launchSettingsOf(bin)
  const child = node([...launch.nodeArgs, ...extraNodeArgs, ...nodeArgs, bin, "start"], {
    cwd: ROOT,
    stdio: ["ignore", out, out],
    env: {
      // Any WAIAAS_* of the caller's would configure the daemon under test: only ours go through.
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("WAIAAS_"))),
      WAIAAS_DATA_DIR: dataDir,
      WAIAAS_DAEMON_PORT: String(port),
      WAIAAS_MASTER_PASSWORD: password,
      ...launch.env,
      // BENCH_DAEMON_ENV='{"WAIAAS_DAEMON_LOG_LEVEL":"warning"}': extra settings for an A/B comparison.
      ...JSON.parse(process.env.BENCH_DAEMON_ENV ?? "{}"),
      ...env
    }
  })
  fs.closeSync(out)
  const exited = exitOf(child)
  let dead = false
  exited.then(() => (dead = true))
  for (;;) {
    if (dead) throw new Error(`daemon exited before it was healthy; see ${logFile}:\n${tail(logFile)}`)
    if (performance.now() - t0 > timeoutMs) {
      child.kill("SIGKILL")
      throw new Error(`daemon not healthy after ${timeoutMs} ms; see ${logFile}`)
    }
    const status = await request(port, { path: "/health" }).then((r) => r.status, () => 0)
    if (status === 200) break
    await sleep(2)
  }
  const startMs = performance.now() - t0
  return {
    child,
    pid: child.pid,
    port,
    startMs,
    rssKb: () => rssKb(child.pid),
    stop: async () => {
      if (!dead) child.kill("SIGTERM")
      let timer
      const code = await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 15_000, "timeout")))])
      clearTimeout(timer)
      if (code === "timeout") {
        child.kill("SIGKILL")
        await exited
      }
      return code
    }
  }
}

const tail = (file) => {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(-15).join("\n")
  } catch {
    return ""
  }
}

/** The session-auth reference server on the same database; resolves once it listens. */
export const startReference = ({ db, logFile, nodeArgs = [] }) =>
  startReferenceScript("reference-server.mjs", ["--db", db], logFile, nodeArgs)

/** The provisioning reference server on the floor's copy of the database (`floor`: floor.mjs's config). */
export const startProvisioningReference = ({ floor, logFile, nodeArgs = [] }) =>
  startReferenceScript("reference-provisioning.mjs", ["--floor", JSON.stringify(floor)], logFile, nodeArgs)

const startReferenceScript = async (script, args, logFile, nodeArgs) => {
  const port = await freePort()
  const out = fs.openSync(logFile, "a")
  const child = node([...nodeArgs, path.join(BENCH_DIR, script), ...args, "--port", String(port)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", out]
  })
  fs.closeSync(out)
  const exited = exitOf(child)
  await new Promise((resolve, reject) => {
    let buffered = ""
    child.stdout.on("data", (chunk) => {
      buffered += chunk
      if (buffered.includes("reference listening on")) resolve()
    })
    exited.then((code) => reject(new Error(`reference server exited (${code}); see ${logFile}`)))
  })
  child.stdout.resume()
  return {
    child,
    pid: child.pid,
    port,
    rssKb: () => rssKb(child.pid),
    stop: async () => {
      child.kill("SIGTERM")
      return exited
    }
  }
}

/** Runs `node <script> <json>` and resolves its last stdout line parsed as JSON. */
export const runJsonChild = (script, config, { onSpawn } = {}) =>
  new Promise((resolve, reject) => {
    const child = node([script, JSON.stringify(config)], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] })
    onSpawn?.(child)
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c) => (stdout += c))
    child.stderr.on("data", (c) => (stderr += c))
    child.on("error", reject)
    child.on("exit", (code) => {
      const last = stdout.trim().split("\n").pop()
      if (code !== 0 || !last) return reject(new Error(`${path.basename(script)} exited ${code}: ${stderr.slice(-2000)}`))
      try {
        resolve(JSON.parse(last))
      } catch (error) {
        reject(new Error(`${path.basename(script)} printed no JSON: ${stdout.slice(-500)} ${stderr.slice(-500)}`))
      }
    })
  })

export const LOAD_SCRIPT = path.join(BENCH_DIR, "lib/load.mjs")
export const FLOOR_SCRIPT = path.join(BENCH_DIR, "lib/floor.mjs")
export const PAIRED_SCRIPT = path.join(BENCH_DIR, "lib/paired.mjs")
export const SEED_SCRIPT = path.join(BENCH_DIR, "lib/seed.mjs")

/** A load run in its own process (see load.mjs for the config). */
export const load = (config) => runJsonChild(LOAD_SCRIPT, config)
