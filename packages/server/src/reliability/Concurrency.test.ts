import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { dataDirLayout } from "@waiaas/adapters"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"
import { freePort, makeTempDataDir } from "../testing/DaemonProcess.js"
import type { RawResponse } from "../testing/TestDaemon.js"
import { attempt, sendRaw } from "./testing/http.js"
import { claimsOf, invariantViolations, readDiskState } from "./testing/invariants.js"
import { reportFigures, scaled, timeoutFor } from "./testing/mode.js"
import { killHard, type LaunchedDaemon, startListening } from "./testing/process.js"
import { seedDataDir } from "./testing/seed.js"

// Many clients at once against the real daemon: one wallet provisioned a hundred times at once, a hundred
// wallets at once, renewals and revocations mixed in, clients that hang up mid-request, and a second
// process writing to the same database. No 5xx, no SQLITE_BUSY, and the invariants hold afterwards.

const PASSWORD = "concurrency test master password"
const MAX_SESSIONS = 5
const WALLETS = 100
const admin = { "x-master-password": PASSWORD }

const dirs: Array<string> = []
let dataDir: string
let tokenDir: string
let daemon: LaunchedDaemon
let wallets: ReadonlyArray<string>
let port: number
const figures = { concurrentClients: 0, requests: 0, aborted: 0, secondProcessWrites: 0 }

beforeAll(async () => {
  dataDir = makeTempDataDir()
  dirs.push(dataDir)
  tokenDir = dataDirLayout(dataDir).tokenDir
  // Every wallet starts with an MCP session old enough to renew.
  wallets = await seedDataDir({ dataDir, password: PASSWORD, wallets: WALLETS + 2, mcp: { ttl: 3600, agedBy: 1900 } })
  port = await freePort()
  daemon = await startListening({ dataDir, port, password: PASSWORD })
}, 120_000)

afterAll(async () => {
  if (daemon !== undefined) await killHard(daemon)
  reportFigures("concurrency", figures)
  dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }))
})

const shuffle = <A>(items: ReadonlyArray<A>): Array<A> => {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j]!, copy[i]!]
  }
  return copy
}

const tokenOf = (walletId: string): string | undefined => {
  try {
    return fs.readFileSync(`${tokenDir}/${walletId}`, "utf8").trimEnd()
  } catch {
    return undefined
  }
}

type Op = () => Promise<RawResponse>

const provision = (walletId: string): Op => () =>
  attemptOrThrow({ method: "POST", path: "/v1/mcp/tokens", headers: admin, body: { walletId } })
const revoke = (walletId: string): Op => () =>
  attemptOrThrow({ method: "DELETE", path: `/v1/mcp/tokens/${walletId}`, headers: admin })
const renew = (token: string): Op => () =>
  attemptOrThrow({ method: "PUT", path: `/v1/sessions/${claimsOf(token).sub}/renew`, headers: { authorization: `Bearer ${token}` } })
const createApiSession = (walletId: string): Op => () =>
  attemptOrThrow({ method: "POST", path: "/v1/sessions", headers: admin, body: { walletId } })

const attemptOrThrow = async (req: Parameters<typeof attempt>[1]): Promise<RawResponse> => {
  const response = await attempt(port, req)
  if ("transportError" in response) throw new Error(`${req.method} ${req.path}: ${response.transportError}`)
  return response
}

/** Runs every op at once, each on its own connection; returns the responses, in order. */
const storm = async (ops: ReadonlyArray<Op>): Promise<ReadonlyArray<RawResponse>> => {
  figures.concurrentClients = Math.max(figures.concurrentClients, ops.length)
  figures.requests += ops.length
  return Promise.all(ops.map((op) => op()))
}

const serverErrors = (responses: ReadonlyArray<RawResponse>) =>
  responses.filter((r) => r.status >= 500).map((r) => `${r.status} ${r.text.slice(0, 200)}`)

const expectInvariants = async () => {
  expect(invariantViolations(await readDiskState(dataDir), { maxSessionsPerWallet: MAX_SESSIONS })).toEqual([])
  expect(daemon.output()).not.toContain("SQLITE_BUSY")
  expect(daemon.output()).not.toContain("database is locked")
}

describe("concurrency against the real daemon", () => {
  it("100 concurrent provisions of one wallet, with renewals and revocations mixed in", async () => {
    const hot = wallets[0]!
    const seededToken = tokenOf(hot)!
    const ops = shuffle([
      ...Array.from({ length: 100 }, () => provision(hot)),
      ...Array.from({ length: 10 }, () => renew(seededToken)),
      ...Array.from({ length: 10 }, () => revoke(hot))
    ])
    const responses = await storm(ops)
    expect(serverErrors(responses)).toEqual([])
    const byCode = responses.map((r) => `${r.status}${r.status >= 400 ? ` ${r.json?.code}` : ""}`)
    // Re-provisioning replaces the wallet's own MCP session, so it never meets the limit; a renewal either
    // wins or finds its token already replaced; a revocation always succeeds.
    for (const outcome of byCode) {
      expect(["201", "200", "409 SESSION_RENEWAL_MISMATCH", "401 INVALID_TOKEN", "401 SESSION_REVOKED"]).toContain(outcome)
    }
    expect(byCode.filter((o) => o === "201")).toHaveLength(100)
    await expectInvariants()
  }, timeoutFor(60_000))

  it("100 wallets provisioned at once, each also renewed and some revoked, plus API sessions", async () => {
    const targets = wallets.slice(1, WALLETS + 1)
    const ops = shuffle(targets.flatMap((walletId, i) => [
      provision(walletId),
      renew(tokenOf(walletId)!),
      ...(i % 3 === 0 ? [revoke(walletId)] : []),
      ...(i % 4 === 0 ? [createApiSession(walletId), createApiSession(walletId)] : [])
    ]))
    const responses = await storm(ops)
    expect(serverErrors(responses)).toEqual([])
    for (const r of responses) {
      expect(r.status < 300 || ["SESSION_RENEWAL_MISMATCH", "INVALID_TOKEN", "SESSION_REVOKED"].includes(r.json?.code)).toBe(true)
    }
    await expectInvariants()
  }, timeoutFor(60_000))

  it("clients hanging up mid-request leave no session without its file and no file without its session", async () => {
    const rounds = scaled(12, 120)
    const bytes = (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
      const text = body === undefined ? "" : JSON.stringify(body)
      const lines = [`${method} ${path} HTTP/1.1`, `host: 127.0.0.1:${port}`, `content-length: ${Buffer.byteLength(text)}`]
      if (body !== undefined) lines.push("content-type: application/json")
      for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
      return Buffer.from(`${lines.join("\r\n")}\r\n\r\n${text}`)
    }
    for (let round = 0; round < rounds; round++) {
      // A few requests per wallet at once, so that some wait for the wallet's lock after their commit, and
      // every one hung up at a random moment: before auth, in the transaction, between commit and file.
      const targets = shuffle(wallets.slice(1, WALLETS + 1)).slice(0, 10)
      const work = targets.flatMap((walletId) =>
        Array.from({ length: 4 }, () => {
          const roll = Math.random()
          const token = tokenOf(walletId)
          const raw = roll < 0.6
            ? bytes("POST", "/v1/mcp/tokens", admin, { walletId })
            : roll < 0.8 || token === undefined
            ? bytes("DELETE", `/v1/mcp/tokens/${walletId}`, admin)
            : bytes("PUT", `/v1/sessions/${claimsOf(token).sub}/renew`, { authorization: `Bearer ${token}` })
          return sendRaw(port, raw, { timeoutMs: 1 + Math.random() * 40 })
        })
      )
      const outcomes = await Promise.all(work)
      figures.aborted += outcomes.filter((o) => o._tag === "NoReply").length
      figures.requests += work.length
      for (const outcome of outcomes) {
        if (outcome._tag === "Reply") expect(outcome.reply.status).toBeLessThan(500)
      }
      // What a hung-up request started may still be finishing in the daemon: wait (bounded) for it.
      const deadline = Date.now() + 5_000
      let violations = invariantViolations(await readDiskState(dataDir), { maxSessionsPerWallet: MAX_SESSIONS })
      while (violations.length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        violations = invariantViolations(await readDiskState(dataDir), { maxSessionsPerWallet: MAX_SESSIONS })
      }
      expect(violations).toEqual([])
    }
    expect(figures.aborted).toBeGreaterThan(0)
  }, timeoutFor(90_000))

  it("a second process writing to the database meanwhile is waited for or retried, on both sides, never failed", async () => {
    const writes = scaled(150, 1500)
    const writer = spawnSecondWriter(dataDirLayout(dataDir).database, writes)
    const targets = wallets.slice(1, WALLETS + 1)
    const responses: Array<RawResponse> = []
    // Storms of requests for as long as the other process writes (at least one).
    for (let round = 0; round === 0 || writer.running(); round++) {
      responses.push(...await storm(shuffle(targets.flatMap((walletId) => {
        const token = tokenOf(walletId)
        return [provision(walletId), ...(token === undefined ? [] : [renew(token)]), ...(Math.random() < 0.2 ? [revoke(walletId)] : [])]
      }))))
    }
    const result = await writer.done
    expect(result).toEqual({ code: 0, wrote: writes, output: expect.any(String) })
    figures.secondProcessWrites += writes
    expect(serverErrors(responses)).toEqual([])
    await expectInvariants()
  }, timeoutFor(120_000))
})

/**
 * Another process on the same database, as a CLI writing directly would be: the adapters' SQLite layer and
 * the domain's createWallet, each write in a transaction that keeps the write lock for a few milliseconds.
 */
const spawnSecondWriter = (database: string, writes: number) => {
  const script = `
    import { IdGeneratorUuidV7, SqliteLive, TransactionSqlite, WalletRepoSqlite } from "@waiaas/adapters"
    import { createWallet, Transaction } from "@waiaas/domain"
    import { Effect, Layer } from "effect"
    const [database, writes] = process.argv.slice(1)
    const program = Effect.gen(function*() {
      const transaction = yield* Transaction
      let wrote = 0
      for (let i = 0; i < Number(writes); i++) {
        yield* transaction.atomically(Effect.zipRight(createWallet({ name: "cli " + i }), Effect.sleep(2 + Math.floor(Math.random() * 30))))
        wrote++
      }
      return wrote
    })
    const layer = Layer.mergeAll(WalletRepoSqlite, TransactionSqlite, IdGeneratorUuidV7).pipe(Layer.provide(SqliteLive(database)))
    Effect.runPromise(Effect.provide(program, layer)).then(
      (wrote) => console.log("wrote " + wrote),
      (error) => { console.error(String(error)); process.exit(1) }
    )`
  const child = spawn(process.execPath, ["--input-type=module", "-e", script, database, String(writes)], {
    cwd: fileURLToPath(new URL("../../", import.meta.url)),
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout.on("data", (chunk) => output += chunk)
  child.stderr.on("data", (chunk) => output += chunk)
  let exited = false
  const done = new Promise<{ code: number | null; wrote: number; output: string }>((resolve) =>
    child.once("exit", (code) => {
      exited = true
      resolve({ code, wrote: Number(/wrote (\d+)/.exec(output)?.[1] ?? -1), output })
    })
  )
  return { done, running: () => !exited }
}
