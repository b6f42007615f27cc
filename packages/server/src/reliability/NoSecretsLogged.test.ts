import { afterAll, describe, expect, it } from "@effect/vitest"
import { dataDirLayout } from "@waiaas/adapters"
import * as fs from "node:fs"
import * as http from "node:http"
import type * as net from "node:net"
import * as path from "node:path"
import { freePort, makeTempDataDir } from "../testing/DaemonProcess.js"
import type { RawRequest, RawResponse } from "../testing/TestDaemon.js"
import { request, sendRaw } from "./testing/http.js"
import { claimsOf } from "./testing/invariants.js"
import { reportFigures } from "./testing/mode.js"
import { killHard, type LaunchedDaemon, startListening, stopGracefully } from "./testing/process.js"
import { seedDataDir } from "./testing/seed.js"

// Everything the daemon prints, at log level debug, across every route of the HTTP API — successes,
// failures, lockouts, renewals, rotation, revoke-all, a failing webhook whose URL holds a secret, a kill and
// the repair after it, and a graceful stop — must contain no token, no JWT, no master password (right or
// wrong), no webhook secret.

const PASSWORD = "no-secrets master password 7f3c"
const WEBHOOK_SECRET = "hook-secret-91b2e"
/** Anything shaped like a JWT (header.payload.), and our token prefix. */
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\./

const dirs: Array<string> = []
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })))

describe("no secret in the daemon's output", () => {
  it("across the whole HTTP API at log level debug, a kill, a repair and a stop", async () => {
    const dataDir = makeTempDataDir()
    dirs.push(dataDir)
    const tokenDir = dataDirLayout(dataDir).tokenDir
    const seeded = await seedDataDir({ dataDir, password: PASSWORD, wallets: 3, mcp: { ttl: 3600, agedBy: 1900 } })
    // A webhook that refuses every delivery (403, not retried): each failure is logged, and the URL (with
    // its secret) must not be.
    const hook = http.createServer((req, res) => req.resume().on("end", () => res.writeHead(403).end()))
    await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve))
    const hookPort = (hook.address() as net.AddressInfo).port
    const env = {
      WAIAAS_DAEMON_LOG_LEVEL: "debug",
      WAIAAS_NOTIFICATIONS_WEBHOOK_URL: `http://127.0.0.1:${hookPort}/hooks/${WEBHOOK_SECRET}?token=${WEBHOOK_SECRET}`
    }
    const port = await freePort()
    const outputs: Array<string> = []
    const secrets = new Set<string>([PASSWORD, WEBHOOK_SECRET])
    let daemon: LaunchedDaemon = await startListening({ dataDir, port, password: PASSWORD, env })
    let requests = 0

    const call = async (req: RawRequest): Promise<RawResponse> => {
      requests++
      const response = await request(port, req)
      for (const match of response.text.matchAll(/wai_sess_[A-Za-z0-9_.-]+/g)) secrets.add(match[0])
      return response
    }
    const admin = (req: RawRequest) => call({ ...req, headers: { "x-master-password": PASSWORD, ...req.headers } })
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
    const fileToken = (walletId: string) => {
      const token = fs.readFileSync(path.join(tokenDir, walletId), "utf8").trimEnd()
      secrets.add(token)
      return token
    }

    try {
      // Public routes.
      for (const p of ["/health", "/openapi.json", "/docs", "/admin", "/admin/nothing-here", "/nowhere"]) await call({ path: p })

      // Wallets.
      const wallet = (await admin({ method: "POST", path: "/v1/wallets", body: { name: "secrets" } })).json
      await admin({ path: "/v1/wallets" })
      await admin({ path: `/v1/wallets/${wallet.id}` })
      await admin({ method: "PUT", path: `/v1/wallets/${wallet.id}`, body: { name: "renamed" } })

      // Sessions for API clients: created, used, listed, renewed too early, revoked.
      const api = (await admin({ method: "POST", path: "/v1/sessions", body: { walletId: wallet.id } })).json
      expect(api.token).toMatch(/^wai_sess_/)
      await call({ path: "/v1/session", headers: bearer(api.token) })
      await call({ path: "/v1/wallet", headers: bearer(api.token) })
      await call({ method: "PUT", path: `/v1/sessions/${api.id}/renew`, headers: bearer(api.token) })
      await admin({ path: `/v1/sessions?walletId=${wallet.id}` })
      await admin({ method: "DELETE", path: `/v1/sessions/${api.id}` })
      await call({ path: "/v1/session", headers: bearer(api.token) }) // revoked

      // MCP provisioning, list, config, renewal (the seeded sessions are old enough), revocation.
      await admin({ method: "POST", path: "/v1/mcp/tokens", body: { walletId: wallet.id } })
      fileToken(wallet.id)
      await admin({ path: "/v1/mcp/tokens" })
      await admin({ path: `/v1/mcp/tokens/${wallet.id}/config` })
      for (const walletId of seeded) {
        const token = fileToken(walletId)
        const renewed = await call({ method: "PUT", path: `/v1/sessions/${claimsOf(token).sub}/renew`, headers: bearer(token) })
        expect(renewed.status).toBe(200)
        fileToken(walletId)
        await call({ method: "PUT", path: `/v1/sessions/${claimsOf(token).sub}/renew`, headers: bearer(token) }) // the old token: 409
      }
      await admin({ method: "DELETE", path: `/v1/mcp/tokens/${seeded[0]}` })

      // Tokens where they do not belong: in the query, in the path, as the request id.
      const live = fileToken(seeded[1]!)
      await call({ path: `/v1/session?token=${live}`, headers: bearer(live) })
      await call({ path: `/v1/wallets/${live}`, headers: { "x-master-password": PASSWORD } })
      await call({ path: `/v1/sessions/${live}/renew`, method: "PUT", headers: bearer(live) })
      await call({ path: "/health", headers: { "x-request-id": live.slice(0, 120) } })
      await call({ method: "POST", path: "/v1/sessions", headers: { "x-master-password": PASSWORD }, body: `{"walletId": "${live}"` })
      await call({ method: "POST", path: "/v1/mcp/tokens", headers: { "x-master-password": PASSWORD }, body: { walletId: live } })
      await call({ path: "/v1/session", headers: bearer(`${live.slice(0, -4)}AAAA`) }) // bad signature
      await sendRaw(port, Buffer.from(`GET /v1/session HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${live}\r\nbad header\r\n\r\n`))

      // Secret rotation (re-signs every MCP file), the audit log, revoke-all.
      await admin({ method: "POST", path: "/v1/admin/rotate-secret" })
      for (const walletId of seeded.slice(1)) fileToken(walletId)
      await admin({ path: "/v1/admin/events?limit=500" })

      // A kill between anything and anything, then the start-up repair; then revoke-all and termination.
      await killHard(daemon)
      outputs.push(daemon.output())
      fs.rmSync(path.join(tokenDir, seeded[1]!)) // as if the kill came before the file was written
      daemon = await startListening({ dataDir, port, password: PASSWORD, env })
      expect(daemon.output()).toContain("reissuedTokenFiles=1")
      fileToken(seeded[1]!)
      await admin({ method: "POST", path: "/v1/admin/revoke-all" })
      await admin({ method: "DELETE", path: `/v1/wallets/${wallet.id}` })

      // Wrong master passwords until the lockout, and the right one while locked.
      const guesses = Array.from({ length: 7 }, (_, i) => `wrong-guess-${i}-${PASSWORD.slice(0, 6)}`)
      for (const guess of guesses) {
        secrets.add(guess)
        await call({ path: "/v1/wallets", headers: { "x-master-password": guess } })
      }
      expect((await admin({ path: "/v1/wallets" })).status).toBe(429)

      expect(await daemon.printed("Webhook delivery failed")).toBe(true)
      expect(await stopGracefully(daemon)).toBe(0)
      outputs.push(daemon.output())
    } finally {
      await killHard(daemon)
      hook.close()
    }

    const everything = outputs.join("\n")
    expect(everything).toContain("level=DEBUG") // the most talkative level really was on
    expect(everything).toMatch(/Webhook delivery failed/) // the webhook path was exercised
    const leaks = [...secrets].filter((secret) => everything.includes(secret))
    expect(leaks).toEqual([])
    expect(everything).not.toMatch(JWT)
    expect(everything).not.toContain("wai_sess_")
    // The audit log is output too, in a way: it must not hold them either.
    const database = dataDirLayout(dataDir).database
    const stored = Buffer.concat([database, `${database}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)))
    expect([...secrets].filter((secret) => stored.includes(secret))).toEqual([])
    reportFigures("no secrets logged", { requests, secretsWatched: secrets.size, outputBytes: everything.length, leaks: leaks.length })
  }, 120_000)
})
