import { afterAll, describe, expect, it } from "@effect/vitest"
import { dataDirLayout } from "@waiaas/adapters"
import * as fs from "node:fs"
import { freePort, makeTempDataDir } from "../testing/DaemonProcess.js"
import type { RawResponse } from "../testing/TestDaemon.js"
import { attempt } from "./testing/http.js"
import { activeMcpOf, claimsOf, type DiskState, invariantViolations, isActive, readDiskState } from "./testing/invariants.js"
import { reportFigures, scaled, timeoutFor } from "./testing/mode.js"
import { killHard, launchDaemon, type LaunchedDaemon, stopGracefully } from "./testing/process.js"
import { seedDataDir } from "./testing/seed.js"

// The real daemon, provisioning, renewing and revoking for several clients at once, SIGKILLed at random
// moments (mid-traffic, and while it is still starting and repairing), restarted each time. After every
// kill the files on disk must be sound; after every restart the invariants must hold and every request
// that got a 2xx must still be there.
//
// Each client owns some wallets and works on one of them at a time, so a wallet has at most one request in
// flight when the daemon dies: its state after the restart must be what the last acknowledged request left,
// or what the one in flight would have left. One more wallet is shared by every client, racing itself.

const PASSWORD = "crash test master password"
/** WAIAAS_RELIABILITY_KILLS overrides the count, for a quick local run. */
const KILLS = Number(process.env.WAIAAS_RELIABILITY_KILLS ?? scaled(50, 500))
const CLIENTS = 4
const WALLETS_PER_CLIENT = 6
const MAX_SESSIONS = 5
/** API sessions a client keeps per wallet, so that re-provisioning never meets the session limit. */
const MAX_API_SESSIONS = 3

type Pending =
  | { readonly op: "provision" }
  | { readonly op: "revoke" }
  | { readonly op: "renew" }
  | { readonly op: "createApi" }
  | { readonly op: "revokeApi"; readonly id: string }

interface WalletModel {
  readonly id: string
  /** The wallet's MCP session as the last acknowledged request left it (none: revoked). */
  mcp: string | null
  /** Active API sessions, as acknowledged. */
  api: Set<string>
  /** The request in flight when the daemon died: its outcome is unknown. */
  pending: Pending | null
}

const random = (n: number) => Math.floor(Math.random() * n)
const pick = <A>(items: ReadonlyArray<A>): A => items[random(items.length)]!

/** Clients run while the gate is open; when it closes they park, and `parked` counts them. */
class Gate {
  private waiters: Array<() => void> = []
  open = false
  parked = 0
  private parkedListeners: Array<() => void> = []
  async pass(): Promise<void> {
    if (this.open) return
    this.parked++
    this.parkedListeners.forEach((listener) => listener())
    await new Promise<void>((resolve) => this.waiters.push(resolve))
    this.parked--
  }
  release() {
    this.open = true
    this.waiters.splice(0).forEach((resolve) => resolve())
  }
  close() {
    this.open = false
  }
  /** Resolves once `count` clients are parked. */
  allParked(count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.parked >= count) {
          this.parkedListeners = this.parkedListeners.filter((listener) => listener !== check)
          resolve()
        }
      }
      this.parkedListeners.push(check)
      check()
    })
  }
}

const dirs: Array<string> = []
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })))

describe("crash safety: SIGKILL at random moments, restart, check", () => {
  it("keeps the invariants and loses no acknowledged request across every kill", async () => {
    const dataDir = makeTempDataDir()
    dirs.push(dataDir)
    const port = await freePort()
    const tokenDir = dataDirLayout(dataDir).tokenDir
    const seeded = await seedDataDir({
      dataDir,
      password: PASSWORD,
      wallets: CLIENTS * WALLETS_PER_CLIENT + 1,
      // Issued 1900 s ago with a 3600 s TTL: renewable at once by the real daemon.
      mcp: { ttl: 3600, agedBy: 1900 }
    })
    const shared = seeded[0]!
    const models: Array<WalletModel> = seeded.slice(1).map((id) => {
      const token = fs.readFileSync(`${tokenDir}/${id}`, "utf8")
      return { id, mcp: claimsOf(token).sub!, api: new Set<string>(), pending: null }
    })
    const owned = Array.from({ length: CLIENTS }, (_, c) => models.slice(c * WALLETS_PER_CLIENT, (c + 1) * WALLETS_PER_CLIENT))

    const problems: Array<string> = []
    const counts = {
      requests: 0,
      acknowledged: 0,
      renewed: 0,
      provisioned: 0,
      revoked: 0,
      inFlightAtKill: 0,
      startupKills: 0,
      filesVerified: 0
    }
    const repairs = { reissued: 0, removed: 0, tempSwept: 0 }
    const gate = new Gate()
    let stopped = false
    const admin = { "x-master-password": PASSWORD }

    const unexpected = (what: string, response: RawResponse) => {
      problems.push(`${what}: ${response.status} ${response.text.slice(0, 300)}`)
    }

    /** One request on one of the client's wallets; returns false when the daemon went away under it. */
    const step = async (wallet: WalletModel): Promise<boolean> => {
      const roll = Math.random()
      const file = `${tokenDir}/${wallet.id}`
      counts.requests++
      if (roll < 0.4) {
        wallet.pending = { op: "provision" }
        const response = await attempt(port, { method: "POST", path: "/v1/mcp/tokens", headers: admin, body: { walletId: wallet.id, expiresIn: 3600 } })
        if ("transportError" in response) return false
        if (response.status !== 201) unexpected("provision", response)
        else {
          // Nobody else works on this wallet: the file is this request's, written before the response.
          wallet.mcp = claimsOf(fs.readFileSync(file, "utf8")).sub!
          counts.provisioned++
          counts.acknowledged++
        }
      } else if (roll < 0.6) {
        wallet.pending = { op: "revoke" }
        const response = await attempt(port, { method: "DELETE", path: `/v1/mcp/tokens/${wallet.id}`, headers: admin })
        if ("transportError" in response) return false
        if (response.status !== 200) unexpected("revoke", response)
        else {
          if (fs.existsSync(file)) problems.push(`revoke of ${wallet.id} answered 200, but its token file is still there`)
          wallet.mcp = null
          counts.revoked++
          counts.acknowledged++
        }
      } else if (roll < 0.8) {
        if (!fs.existsSync(file)) return true
        const token = fs.readFileSync(file, "utf8").trimEnd()
        wallet.pending = { op: "renew" }
        const response = await attempt(port, {
          method: "PUT",
          path: `/v1/sessions/${claimsOf(token).sub}/renew`,
          headers: { authorization: `Bearer ${token}` }
        })
        if ("transportError" in response) return false
        if (response.status === 200) {
          if (fs.readFileSync(file, "utf8") !== `${response.json.token}\n`) {
            problems.push(`renewal of ${wallet.id} answered 200, but the file does not hold the new token`)
          }
          counts.renewed++
          counts.acknowledged++
        } else if (response.json?.code !== "RENEWAL_TOO_EARLY") unexpected("renew", response)
      } else if (roll < 0.9 && wallet.api.size < MAX_API_SESSIONS) {
        wallet.pending = { op: "createApi" }
        const response = await attempt(port, { method: "POST", path: "/v1/sessions", headers: admin, body: { walletId: wallet.id } })
        if ("transportError" in response) return false
        if (response.status !== 201) unexpected("create API session", response)
        else {
          wallet.api.add(response.json.id)
          counts.acknowledged++
        }
      } else if (wallet.api.size > 0) {
        const id = pick([...wallet.api])
        wallet.pending = { op: "revokeApi", id }
        const response = await attempt(port, { method: "DELETE", path: `/v1/sessions/${id}`, headers: admin })
        if ("transportError" in response) return false
        if (response.status !== 200) unexpected("revoke API session", response)
        else {
          wallet.api.delete(id)
          counts.acknowledged++
        }
      }
      wallet.pending = null
      return true
    }

    /** Provisions or revokes the shared wallet, racing the other clients on it. */
    const raceShared = async (): Promise<boolean> => {
      counts.requests++
      const response = Math.random() < 0.7
        ? await attempt(port, { method: "POST", path: "/v1/mcp/tokens", headers: admin, body: { walletId: shared } })
        : await attempt(port, { method: "DELETE", path: `/v1/mcp/tokens/${shared}`, headers: admin })
      if ("transportError" in response) return false
      if (response.status !== 200 && response.status !== 201) unexpected("shared wallet", response)
      else counts.acknowledged++
      return true
    }

    const client = async (wallets: ReadonlyArray<WalletModel>) => {
      while (!stopped) {
        await gate.pass()
        if (stopped) return
        const alive = Math.random() < 0.1 ? await raceShared() : await step(pick(wallets))
        if (!alive) await gate.pass() // the daemon is gone: wait for the next one
      }
    }

    /** After a restart: the invariants, then each owned wallet against what its requests allow. */
    const checkAfterRestart = (state: DiskState, cycle: number) => {
      for (const violation of invariantViolations(state, { maxSessionsPerWallet: MAX_SESSIONS })) {
        problems.push(`after restart ${cycle}: ${violation}`)
      }
      for (const wallet of models) {
        const actual = activeMcpOf(state, wallet.id)?.id ?? null
        const pending = wallet.pending
        const allowed = actual === wallet.mcp ||
          (pending?.op === "provision" && actual !== null) ||
          (pending?.op === "revoke" && actual === null)
        if (!allowed) {
          problems.push(
            `after restart ${cycle}: wallet ${wallet.id} has MCP session ${actual}, expected ${wallet.mcp}` +
              (pending === null ? "" : ` (or the outcome of an interrupted ${pending.op})`)
          )
        }
        const activeApi = new Set(
          state.sessions.filter((s) => s.walletId === wallet.id && s.source === "api" && isActive(s, state.now)).map((s) => s.id)
        )
        for (const id of wallet.api) {
          if (!activeApi.has(id) && !(pending?.op === "revokeApi" && pending.id === id)) {
            problems.push(`after restart ${cycle}: acknowledged API session ${id} of ${wallet.id} is lost`)
          }
        }
        const extra = [...activeApi].filter((id) => !wallet.api.has(id))
        if (extra.length > (pending?.op === "createApi" ? 1 : 0)) {
          problems.push(`after restart ${cycle}: wallet ${wallet.id} has unknown API sessions ${extra.join(", ")}`)
        }
        // What is on disk now is the truth the next cycle builds on.
        if (pending !== null) counts.inFlightAtKill++
        wallet.mcp = actual
        wallet.api = activeApi
        wallet.pending = null
      }
    }

    /** Every token file's token is accepted by the daemon, as the MCP server reading it will present it. */
    const checkTokensAccepted = async (state: DiskState, cycle: number) => {
      for (const [walletId, file] of state.files) {
        const me = await attempt(port, { path: "/v1/session", headers: { authorization: `Bearer ${file.content.trimEnd()}` } })
        if ("transportError" in me) throw new Error(`restart ${cycle}: ${me.transportError}`)
        if (me.status !== 200 || me.json.walletId !== walletId) {
          problems.push(`after restart ${cycle}: the token in ${walletId}'s file is refused: ${me.status} ${me.text.slice(0, 200)}`)
        }
        counts.filesVerified++
      }
    }

    const startedAt = Date.now()
    const clients = owned.map(client)
    let daemon: LaunchedDaemon | undefined
    let kills = 0
    try {
      while (kills < KILLS) {
        daemon = launchDaemon({ dataDir, port, password: PASSWORD })
        const early = Math.random() < 0.15
        if (early) {
          // Killed while starting: verifying the password, sweeping, repairing the token files, binding.
          if (!(await daemon.printed("Master password verified"))) {
            throw new Error(`restart ${kills} failed (${await daemon.exited}):\n${daemon.output()}`)
          }
          await new Promise((resolve) => setTimeout(resolve, random(40)))
          counts.startupKills++
        } else {
          if (!(await daemon.printed("daemon listening on"))) {
            throw new Error(`restart ${kills} failed (${await daemon.exited}):\n${daemon.output()}`)
          }
          const output = daemon.output()
          repairs.reissued += Number(/reissuedTokenFiles=(\d+)/.exec(output)?.[1] ?? 0)
          repairs.removed += Number(/removedTokenFiles=(\d+)/.exec(output)?.[1] ?? 0)
          repairs.tempSwept += output.split("Removed a stale token temp file").length - 1
          const state = await readDiskState(dataDir)
          checkAfterRestart(state, kills)
          await checkTokensAccepted(state, kills)
          expect(problems).toEqual([])
          gate.release()
          await new Promise((resolve) => setTimeout(resolve, 20 + random(400)))
          gate.close()
        }
        await killHard(daemon)
        kills++
        await gate.allParked(CLIENTS)
        for (const violation of invariantViolations(await readDiskState(dataDir), { maxSessionsPerWallet: MAX_SESSIONS, justKilled: true })) {
          problems.push(`after kill ${kills}: ${violation}`)
        }
        expect(problems).toEqual([])
      }
      // The last start after the last kill must repair everything, then stop cleanly.
      daemon = launchDaemon({ dataDir, port, password: PASSWORD })
      expect(await daemon.printed("daemon listening on")).toBe(true)
      const finalState = await readDiskState(dataDir)
      checkAfterRestart(finalState, kills)
      await checkTokensAccepted(finalState, kills)
      expect(problems).toEqual([])
      expect(await stopGracefully(daemon)).toBe(0)
    } finally {
      stopped = true
      gate.release()
      if (daemon !== undefined) await killHard(daemon)
      await Promise.all(clients)
    }
    reportFigures("crash safety", {
      killsSurvived: kills,
      killsWhileStarting: counts.startupKills,
      clients: CLIENTS,
      requests: counts.requests,
      acknowledged: counts.acknowledged,
      provisioned: counts.provisioned,
      renewed: counts.renewed,
      revoked: counts.revoked,
      inFlightAtKill: counts.inFlightAtKill,
      tokenFilesVerifiedByDaemon: counts.filesVerified,
      tokenFilesReissued: repairs.reissued,
      tokenFilesRemoved: repairs.removed,
      tempFilesSwept: repairs.tempSwept,
      lost: 0,
      seconds: Math.round((Date.now() - startedAt) / 1000)
    })
    expect(kills).toBe(KILLS)
    expect(counts.acknowledged).toBeGreaterThan(KILLS)
  }, timeoutFor(240_000))
})
