import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { dataDirLayout, productionArgon2Params } from "@waiaas/adapters"
import { CONCURRENT_PASSWORD_CHECKS, FREE_ATTEMPTS } from "@waiaas/domain"
import * as fs from "node:fs"
import { freePort, makeTempDataDir } from "../testing/DaemonProcess.js"
import type { RawResponse } from "../testing/TestDaemon.js"
import { errorShapeProblem, request } from "./testing/http.js"
import { claimsOf } from "./testing/invariants.js"
import { reportFigures, scaled, timeoutFor } from "./testing/mode.js"
import { killHard, type LaunchedDaemon, startListening } from "./testing/process.js"
import { seedDataDir } from "./testing/seed.js"

// Master password brute force against the real daemon, with the production argon2 parameters: consecutive
// failures lock out exponentially (429 MASTER_PASSWORD_LOCKED, Retry-After, recorded as events), and a flood
// of wrong passwords sent all at once gets no more guesses verified than one sent one by one, while token
// renewals (which write files on the same libuv thread pool argon2 uses) and health checks stay fast.

const PASSWORD = "brute force test master password"
const FLOOD = scaled(300, 3000)

const dirs: Array<string> = []
let dataDir: string
let daemon: LaunchedDaemon
let wallets: ReadonlyArray<string>
const figures: Record<string, number> = {}

beforeAll(async () => {
  dataDir = makeTempDataDir()
  dirs.push(dataDir)
  wallets = await seedDataDir({
    dataDir,
    password: PASSWORD,
    argon2: productionArgon2Params,
    wallets: 20,
    mcp: { ttl: 3600, agedBy: 1900 } // renewable at once
  })
  daemon = await startListening({ dataDir, port: await freePort(), password: PASSWORD })
}, 120_000)

afterAll(async () => {
  if (daemon !== undefined) await killHard(daemon)
  reportFigures("brute force", figures)
  dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }))
})

const withPassword = (password: string) => request(daemon.port, { path: "/v1/wallets", headers: { "x-master-password": password } })

const expectLocked = (response: RawResponse, retryAfter?: number) => {
  expect(errorShapeProblem(response.status, response.text)).toBeUndefined()
  expect(response.status).toBe(429)
  expect(response.json).toMatchObject({ code: "MASTER_PASSWORD_LOCKED", retryable: true })
  expect(response.headers["retry-after"]).toBe(String(response.json.details.retryAfter))
  if (retryAfter !== undefined) expect(response.json.details.retryAfter).toBe(retryAfter)
}

/**
 * How many lockouts in a row can end within `ms`: the n-th lasts 2^n seconds, counted in whole epoch
 * seconds, so at least 2^n - 1 (the first can end at the next second boundary).
 */
const lockoutsEndingWithin = (ms: number) => {
  let ended = 0
  let elapsedMs = 0
  while ((elapsedMs += (2 ** ended - 1) * 1000) <= ms) ended++
  return ended
}

/** Waits out a lockout: the Retry-After the daemon gave is the protocol, not a guess. */
const waitOut = (response: RawResponse) => new Promise((resolve) => setTimeout(resolve, Number(response.headers["retry-after"]) * 1000))

const authFailures = async () => {
  const events = await request(daemon.port, { path: "/v1/admin/events?limit=500", headers: { "x-master-password": PASSWORD } })
  expect(events.status).toBe(200)
  return (events.json.items as Array<{ type: string; details: Record<string, unknown> }>).filter((e) => e.type === "MASTER_AUTH_FAILED")
}

describe("master password brute force against the real daemon", () => {
  it("locks out after the free attempts, refuses even the right password, doubles, and records each failure", async () => {
    for (let i = 0; i < FREE_ATTEMPTS; i++) {
      const wrong = await withPassword(`guess number ${i}`)
      expect(wrong.status).toBe(401)
      expect(wrong.json.code).toBe("INVALID_MASTER_PASSWORD")
    }
    const locked = await withPassword(PASSWORD)
    expectLocked(locked, 1)
    await waitOut(locked)
    expect((await withPassword("one more guess")).status).toBe(401)
    const longer = await withPassword(PASSWORD)
    expectLocked(longer, 2)
    await waitOut(longer)
    expect((await withPassword(PASSWORD)).status).toBe(200) // the right password, once free: resets the count

    const failures = await authFailures()
    expect(failures.map((e) => e.details)).toEqual(expect.arrayContaining([
      { reason: "wrong", failures: FREE_ATTEMPTS, lockedForSeconds: 1 },
      { reason: "wrong", failures: FREE_ATTEMPTS + 1, lockedForSeconds: 2 }
    ]))
    expect(JSON.stringify(failures)).not.toContain("guess")
  }, timeoutFor(60_000))

  it("a flood of wrong passwords gets the free attempts verified and no more, and starves no renewal", async () => {
    const before = (await authFailures()).length
    const tokenDir = dataDirLayout(dataDir).tokenDir
    const renewals = wallets.map(async (walletId) => {
      const token = fs.readFileSync(`${tokenDir}/${walletId}`, "utf8").trimEnd()
      const startedAt = Date.now()
      const response = await request(daemon.port, {
        method: "PUT",
        path: `/v1/sessions/${claimsOf(token).sub}/renew`,
        headers: { authorization: `Bearer ${token}` }
      })
      return { response, ms: Date.now() - startedAt, file: fs.readFileSync(`${tokenDir}/${walletId}`, "utf8") }
    })
    const healthChecks = Array.from({ length: 20 }, async (_, i) => {
      await new Promise((resolve) => setTimeout(resolve, i * 20))
      const startedAt = Date.now()
      expect((await request(daemon.port, { path: "/health" })).status).toBe(200)
      return Date.now() - startedAt
    })
    const floodStartedAt = Date.now()
    const flood = await Promise.all(Array.from({ length: FLOOD }, (_, i) => withPassword(`flood guess ${i}`)))
    const floodMs = Date.now() - floodStartedAt

    for (const response of flood) {
      expect(errorShapeProblem(response.status, response.text)).toBeUndefined()
      expect([401, 429]).toContain(response.status)
      if (response.status === 429) expect(Number(response.headers["retry-after"])).toBeGreaterThan(0)
    }
    const verified = flood.filter((r) => r.status === 401).length
    // The free attempts, plus at most one check per verification slot already under way when they ran out,
    // plus a slot's worth each time a lockout ended while the flood lasted.
    expect(verified).toBeGreaterThanOrEqual(FREE_ATTEMPTS)
    expect(verified).toBeLessThanOrEqual(
      FREE_ATTEMPTS + CONCURRENT_PASSWORD_CHECKS - 1 + CONCURRENT_PASSWORD_CHECKS * lockoutsEndingWithin(floodMs)
    )

    for (const { file, ms, response } of await Promise.all(renewals)) {
      expect(response.status).toBe(200)
      expect(file).toBe(`${response.json.token}\n`)
      expect(ms).toBeLessThan(scaled(5_000, 10_000))
    }
    const healthMs = await Promise.all(healthChecks)
    expect(Math.max(...healthMs)).toBeLessThan(scaled(2_000, 5_000)) // soak: 3000 connections arrive at once

    // Locked now: wait it out (Retry-After), then every verified guess is in the audit log, and only those.
    const locked = await withPassword(PASSWORD)
    expectLocked(locked)
    await waitOut(locked)
    expect((await withPassword(PASSWORD)).status).toBe(200)
    expect((await authFailures()).length - before).toBe(verified)

    Object.assign(figures, {
      floodRequests: FLOOD,
      floodVerified: verified,
      floodVerifiedBound: FREE_ATTEMPTS + CONCURRENT_PASSWORD_CHECKS - 1 + CONCURRENT_PASSWORD_CHECKS * lockoutsEndingWithin(floodMs),
      floodLockedOut: FLOOD - verified,
      floodMs,
      renewalsDuringFlood: wallets.length,
      slowestRenewalMs: Math.max(...(await Promise.all(renewals)).map((r) => r.ms)),
      slowestHealthMs: Math.max(...healthMs)
    })
  }, timeoutFor(60_000))
})
