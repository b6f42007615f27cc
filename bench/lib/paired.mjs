// Sequential provisioning next to its floor, in pairs: one POST /v1/mcp/tokens to the daemon, one floor
// operation (floor.mjs), one after the other, order alternating pair by pair, so that both sides of every
// pair meet the same machine (argon2's speed drifts by several ms over seconds on a shared VM; batches of
// one side then the other turned that drift into most of the difference).
//   node bench/lib/paired.mjs '<json>'  ->  one JSON line: { daemon, floor } latency summaries and samples
// Config: { port, referencePort?, password, walletIds, pairs, warmup, floor: { db, tokenDir, argon2Permits } }
// With `referencePort` (reference-provisioning.mjs), each pair is a triple: the reference's request too,
// the order rotating.
// The daemon's latency is taken here, in this separate process, from the request's first byte written to
// the response's last byte read, over one keep-alive connection, with a minimal HTTP/1.1 client (no
// parsing beyond the status line and Content-Length: node's http client would add its own cost).
import * as net from "node:net"
import { makeFloor } from "./floor.mjs"
import { latencySummary } from "./stats.mjs"

const config = JSON.parse(process.argv[2])

/** One keep-alive connection; `post(body)` resolves the status of a JSON POST to /v1/mcp/tokens. */
const connect = (port) =>
  new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => resolve(client(socket, port)))
    socket.once("error", reject)
  })

const client = (socket, port) => {
  socket.setNoDelay(true)
  let buffered = Buffer.alloc(0)
  let waiting
  socket.on("data", (chunk) => {
    buffered = Buffer.concat([buffered, chunk])
    const end = buffered.indexOf("\r\n\r\n")
    if (end === -1 || waiting === undefined) return
    const head = buffered.subarray(0, end).toString("latin1")
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN)
    if (!Number.isFinite(length)) return waiting.reject(new Error(`no Content-Length in: ${head}`))
    if (buffered.length < end + 4 + length) return
    buffered = buffered.subarray(end + 4 + length)
    const done = waiting
    waiting = undefined
    done.resolve(Number(head.slice(9, 12)))
  })
  socket.on("error", (error) => waiting?.reject(error))
  return {
    post: (body) =>
      new Promise((resolve, reject) => {
        waiting = { resolve, reject }
        socket.write(
          `POST /v1/mcp/tokens HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nx-master-password: ${config.password}\r\n` +
            `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
        )
      }),
    close: () => socket.end()
  }
}

const servers = { daemon: await connect(config.port) }
if (config.referencePort !== undefined) servers.reference = await connect(config.referencePort)
const floor = makeFloor({ ...config.floor, password: config.password })
const statusCodes = Object.fromEntries(Object.keys(servers).map((side) => [side, {}]))
const samples = { ...Object.fromEntries(Object.keys(servers).map((side) => [side, []])), floor: [] }

const via = async (side, walletId) => {
  const t0 = performance.now()
  const status = await servers[side].post(JSON.stringify({ walletId }))
  const ms = performance.now() - t0
  statusCodes[side][status] = (statusCodes[side][status] ?? 0) + 1
  return status >= 200 && status < 300 ? ms : undefined
}

const sides = [...Object.keys(servers), "floor"]
for (let i = 0; i < config.warmup + config.pairs; i++) {
  const walletId = config.walletIds[i % config.walletIds.length]
  const pair = {}
  // Every side goes first, in the middle and last equally often: pairs reverse, triples rotate.
  const order = sides.length === 2 ? (i % 2 === 0 ? sides : [...sides].reverse()) : sides.map((_, k) => sides[(i + k) % sides.length])
  for (const side of order) pair[side] = side === "floor" ? await floor.operation(walletId) : await via(side, walletId)
  if (i < config.warmup) continue
  for (const side of sides) if (pair[side] !== undefined) samples[side].push(pair[side])
}
for (const server of Object.values(servers)) server.close()
floor.close()

const served = (side) => {
  const total = Object.values(statusCodes[side]).reduce((a, b) => a + b, 0)
  const ok = Object.entries(statusCodes[side]).filter(([code]) => code.startsWith("2")).reduce((a, [, n]) => a + n, 0)
  return { ok, total, non2xx: total - ok, statusCodes: statusCodes[side], latency: latencySummary(samples[side]), samples: samples[side] }
}
const cpu = process.cpuUsage()
process.stdout.write(JSON.stringify({
  cpuS: (cpu.user + cpu.system) / 1e6, // this process's own CPU, the floor's work included
  ...Object.fromEntries(Object.keys(servers).map((side) => [side, served(side)])),
  floor: { latency: latencySummary(samples.floor), samples: samples.floor }
}) + "\n")
