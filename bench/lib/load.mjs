// The load generator, always run as its own process (the server under test never times itself):
//   node bench/lib/load.mjs '<json config>'   ->   one JSON line on stdout
// Config: { url, path, method?, headers?, body?, connections, duration? (s) | amount?, warmup?: {duration?|amount?},
//           rotate?: { header, values: [...] }   one value per request, round robin (e.g. many session tokens)
//           rotateBody?: [...]                    one body per request, round robin (e.g. many wallet ids)
//           timeout? (s), samples?: true (also return every 2xx latency),
//           skipFirst?: n   the measured run's first n 2xx answers are not timed: with `amount`, the burst that
//                           starts a closed loop (every connection sending at once), not yet its steady state }
// Latencies are recorded per response from autocannon's own hrtime measurement (float ms, not its 1 ms histogram).
import autocannon from "autocannon"
import { latencySummary } from "./stats.mjs"

const config = JSON.parse(process.argv[2])

const makeRequests = () => {
  let next = 0
  const base = { method: config.method ?? "GET", path: config.path }
  if (config.rotate === undefined && config.rotateBody === undefined) {
    return [{ ...base, headers: config.headers ?? {}, body: config.body }]
  }
  return [{
    ...base,
    setupRequest: (req) => {
      const i = next++
      const headers = { ...(config.headers ?? {}) }
      if (config.rotate !== undefined) headers[config.rotate.header] = config.rotate.values[i % config.rotate.values.length]
      const body = config.rotateBody !== undefined ? config.rotateBody[i % config.rotateBody.length] : config.body
      return { ...req, headers, ...(body === undefined ? {} : { body }) }
    }
  }]
}

const run = (opts, skipFirst = 0) =>
  new Promise((resolve, reject) => {
    const samples = []
    let ok = 0
    const statusCodes = {}
    const started = process.hrtime.bigint()
    // This process's CPU over the timed answers: from the last untimed one (or the start) to the last one.
    let cpuFrom = skipFirst === 0 ? process.cpuUsage() : undefined
    let cpuTo
    const instance = autocannon({
      url: config.url,
      // autocannon refuses more connections than requests (a short warm-up, say)
      connections: opts.amount !== undefined ? Math.min(config.connections, opts.amount) : config.connections,
      pipelining: 1,
      timeout: config.timeout ?? 30,
      requests: makeRequests(),
      ...opts
    }, (error, result) => {
      if (error) return reject(error)
      const elapsedS = Number(process.hrtime.bigint() - started) / 1e9
      const timedCpuS = cpuFrom === undefined || cpuTo === undefined
        ? 0
        : (cpuTo.user - cpuFrom.user + cpuTo.system - cpuFrom.system) / 1e6
      resolve({ result, ok, samples, statusCodes, elapsedS, timedCpuS })
    })
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1
      if (statusCode < 200 || statusCode >= 300) return
      ok++
      if (ok === skipFirst) cpuFrom = process.cpuUsage()
      if (ok <= skipFirst) return
      samples.push(responseTime)
      cpuTo = process.cpuUsage()
    })
    // The run stops on its own (duration or amount); a parent may also end it early with SIGTERM.
    process.once("SIGTERM", () => instance.stop())
  })

const shape = (opts) => (opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.duration })

const warmup = config.warmup === undefined ? undefined : await run(shape(config.warmup))
const warmupTotal = warmup === undefined ? 0 : Object.values(warmup.statusCodes).reduce((a, b) => a + b, 0)
const { elapsedS, ok, result, samples, statusCodes, timedCpuS } = await run(shape(config), config.skipFirst ?? 0)
const total = Object.values(statusCodes).reduce((a, b) => a + b, 0)
// Throughput over the time the load actually ran (autocannon's own duration, falling back to ours).
const durationS = typeof result.duration === "number" && result.duration > 0 ? result.duration : elapsedS
const cpu = process.cpuUsage()
process.stdout.write(JSON.stringify({
  cpuS: (cpu.user + cpu.system) / 1e6, // the load generator's own CPU, warm-up and start-up included
  // The same per timed answer, while they came: what the load costs the machine in its steady state,
  // without the run's set-up (connections, request templates) or the burst that `skipFirst` leaves out.
  cpuMsPerTimedAnswer: samples.length === 0 ? 0 : (timedCpuS * 1000) / samples.length,
  ok,
  total,
  warmupTotal, // requests sent before the measured run (the server's CPU time covers them too)
  non2xx: total - ok,
  statusCodes,
  errors: result.errors,
  timeouts: result.timeouts,
  durationS,
  rps: ok / durationS,
  latency: latencySummary(samples),
  ...(config.samples === true ? { samples } : {}) // every 2xx latency, to pool across short interleaved runs
}) + "\n")
