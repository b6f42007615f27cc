import { afterAll, describe, expect, it, layer } from "@effect/vitest"
import { dataDirLayout } from "@waiaas/adapters"
import { Effect, Ref } from "effect"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { freePort, makeTempDataDir } from "../testing/DaemonProcess.js"
import { type RawResponse, TestDaemon, TestDaemonLive } from "../testing/TestDaemon.js"
import { errorShapeProblem, request } from "./testing/http.js"
import { claimsOf, invariantViolations, readDiskState } from "./testing/invariants.js"
import { reportFigures } from "./testing/mode.js"
import { killHard, launchDaemon, type LaunchedDaemon, startListening } from "./testing/process.js"
import { seedDataDir } from "./testing/seed.js"

// Token-file writes that fail, and token directories that must not be trusted:
// - through the HTTP API with the fault-injecting TokenFiles layer (runs everywhere);
// - for real, against the built daemon, with a tiny tmpfs mounted on DATA_DIR/mcp-tokens: out of inodes
//   (the temp file cannot be created), out of blocks (it can, but not written), then read-only;
// - a token directory that is a symlink, group/world writable, owned by someone else, or a file: the
//   daemon refuses to start and says how to fix it.

const PASSWORD = "filesystem faults master password"
const MAX_SESSIONS = 5
const figures = { faultsInjected: 0, realFaults: 0, hostileDirectoriesRefused: 0 }
const dirs: Array<string> = []
afterAll(() => {
  reportFigures("filesystem faults", figures)
  dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }))
})

const expectWriteFailed = (response: RawResponse, code: string) => {
  expect(errorShapeProblem(response.status, response.text)).toBeUndefined()
  expect(response.status).toBe(500)
  expect(response.json).toMatchObject({
    code: "TOKEN_FILE_WRITE_FAILED",
    retryable: true,
    details: { code },
    hint: expect.stringContaining("the new session was revoked")
  })
  expect(response.json.message).toContain(`(${code})`)
}

// -------------------------------------------------------------------------------------------------------
// The fault-injecting layer, over HTTP

const failWrites = Ref.unsafeMake(false)

layer(TestDaemonLive({ stack: "sqlite", failTokenWrites: failWrites }), { timeout: 60_000, excludeTestServices: true })(
  "token-file writes failing (fault-injecting TokenFiles), over HTTP",
  (it) => {
    it.effect("provisioning answers 500 TOKEN_FILE_WRITE_FAILED, revokes the new session and keeps the previous file", () =>
      Effect.gen(function*() {
        const daemon = yield* TestDaemon
        const wallet = (yield* daemon.admin({ method: "POST", path: "/v1/wallets", body: { name: "faulty" } })).json
        const first = yield* daemon.admin({ method: "POST", path: "/v1/mcp/tokens", body: { walletId: wallet.id } })
        expect(first.status).toBe(201)
        const before = fs.readFileSync(first.json.tokenPath, "utf8")

        yield* Ref.set(failWrites, true)
        for (let i = 0; i < 3; i++) {
          expectWriteFailed(yield* daemon.admin({ method: "POST", path: "/v1/mcp/tokens", body: { walletId: wallet.id } }), "ENOSPC")
          figures.faultsInjected++
        }
        yield* Ref.set(failWrites, false)

        expect(fs.readFileSync(first.json.tokenPath, "utf8")).toBe(before)
        const me = yield* daemon.request({ path: "/v1/session", headers: { authorization: `Bearer ${before.trimEnd()}` } })
        expect(me.status).toBe(200)
        const sessions = (yield* daemon.admin({ path: `/v1/sessions?walletId=${wallet.id}` })).json.items
        expect(sessions.map((s: { status: string }) => s.status)).toEqual(["REVOKED", "REVOKED", "REVOKED", "ACTIVE"])
        expect(sessions[3].id).toBe(me.json.sessionId)
        const state = yield* Effect.promise(() => readDiskState(daemon.dataDir))
        expect(invariantViolations(state, { maxSessionsPerWallet: MAX_SESSIONS })).toEqual([])
        expect((yield* daemon.admin({ method: "POST", path: "/v1/mcp/tokens", body: { walletId: wallet.id } })).status).toBe(201)
      }))
  }
)

// -------------------------------------------------------------------------------------------------------
// A real filesystem that fails

/** Whether this machine lets us mount a tmpfs (root, and not a container that forbids it). */
const mountProbe = (() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "waiaas-mount-probe-"))
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir], { stdio: "pipe" })
    execFileSync("umount", [dir], { stdio: "pipe" })
    return { ok: true, reason: "" }
  } catch (error) {
    return { ok: false, reason: String((error as { stderr?: Buffer }).stderr ?? error).trim() }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})()
if (!mountProbe.ok) {
  process.stdout.write(`[reliability] real-filesystem fault test skipped: cannot mount a tmpfs here (${mountProbe.reason})\n`)
}

const remount = (dir: string, options: string) => execFileSync("mount", ["-o", `remount,${options}`, dir], { stdio: "pipe" })

describe("token-file writes failing on a real filesystem (tmpfs on DATA_DIR/mcp-tokens)", () => {
  it.skipIf(!mountProbe.ok)("out of inodes, out of space, read-only: clear errors, previous files untouched, nothing half-done", async () => {
    const dataDir = makeTempDataDir()
    dirs.push(dataDir)
    const tokenDir = dataDirLayout(dataDir).tokenDir
    fs.mkdirSync(tokenDir, { mode: 0o700 })
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m,nr_inodes=1000,mode=0700", "tmpfs", tokenDir])
    let daemon: LaunchedDaemon | undefined
    try {
      const wallets = await seedDataDir({ dataDir, password: PASSWORD, wallets: 8, mcp: { ttl: 3600, agedBy: 1900 } })
      daemon = await startListening({ dataDir, port: await freePort(), password: PASSWORD })
      const port = daemon.port
      const admin = { "x-master-password": PASSWORD }
      const fileOf = (walletId: string) => fs.readFileSync(path.join(tokenDir, walletId), "utf8")
      const provision = (walletId: string) => request(port, { method: "POST", path: "/v1/mcp/tokens", headers: admin, body: { walletId } })
      const renew = (walletId: string) => {
        const token = fileOf(walletId).trimEnd()
        return request(port, { method: "PUT", path: `/v1/sessions/${claimsOf(token).sub}/renew`, headers: { authorization: `Bearer ${token}` } })
      }
      const stillWorks = async (walletId: string, token: string) => {
        const me = await request(port, { path: "/v1/session", headers: { authorization: `Bearer ${token.trimEnd()}` } })
        expect(me.status).toBe(200)
        expect(me.json.walletId).toBe(walletId)
      }
      const expectConsistent = async () => {
        const state = await readDiskState(dataDir)
        expect(invariantViolations(state, { maxSessionsPerWallet: MAX_SESSIONS })).toEqual([])
        expect(state.tempFiles).toEqual([])
      }
      const before = new Map(wallets.map((walletId) => [walletId, fileOf(walletId)]))

      // 1. No inode left: the temp file cannot even be created.
      const inodes = fs.statfsSync(tokenDir)
      remount(tokenDir, `nr_inodes=${inodes.files - inodes.ffree}`)
      expectWriteFailed(await provision(wallets[0]!), "ENOSPC")
      expectWriteFailed(await renew(wallets[1]!), "ENOSPC")
      figures.realFaults += 2
      for (const walletId of wallets.slice(0, 2)) {
        expect(fileOf(walletId)).toBe(before.get(walletId))
        await stillWorks(walletId, before.get(walletId)!)
      }
      await expectConsistent()

      // 2. No block left: the temp file is created, its write fails, and it is removed again.
      remount(tokenDir, "nr_inodes=1000")
      const blocks = fs.statfsSync(tokenDir)
      remount(tokenDir, `size=${(blocks.blocks - blocks.bfree) * blocks.bsize}`)
      expectWriteFailed(await provision(wallets[2]!), "ENOSPC")
      // Ten at once for one wallet: each fails, none leaves a second active session or a stray file.
      for (const response of await Promise.all(Array.from({ length: 10 }, () => provision(wallets[3]!)))) {
        expectWriteFailed(response, "ENOSPC")
      }
      figures.realFaults += 11
      for (const walletId of wallets.slice(2, 4)) {
        expect(fileOf(walletId)).toBe(before.get(walletId))
        await stillWorks(walletId, before.get(walletId)!)
      }
      await expectConsistent()

      // 3. Read-only: writes fail with EROFS; a revocation still revokes, and the token it leaves is refused.
      remount(tokenDir, "size=1m,ro")
      expectWriteFailed(await provision(wallets[4]!), "EROFS")
      expectWriteFailed(await renew(wallets[5]!), "EROFS")
      figures.realFaults += 2
      for (const walletId of wallets.slice(4, 6)) {
        expect(fileOf(walletId)).toBe(before.get(walletId))
        await stillWorks(walletId, before.get(walletId)!)
      }
      const revoked = await request(port, { method: "DELETE", path: `/v1/mcp/tokens/${wallets[6]}`, headers: admin })
      figures.realFaults++
      expect(revoked.status).toBe(200)
      expect(revoked.json.revoked).toBe(true)
      const stale = await request(port, { path: "/v1/session", headers: { authorization: `Bearer ${before.get(wallets[6]!)!.trimEnd()}` } })
      expect(stale.json.code).toBe("SESSION_REVOKED")

      expect(fileOf(wallets[6]!)).toBe(before.get(wallets[6]!)) // could not be removed; refused all the same
      expect(daemon.output()).toMatch(/Could not remove a token file; it is retried later.*code=EROFS/)

      // 4. Writable again: everything works, and the next reconciliation (every minute, and at start)
      //    removes the file the read-only disk kept; nothing else needs repair.
      remount(tokenDir, "rw")
      expect((await provision(wallets[4]!)).status).toBe(201)
      expect((await renew(wallets[5]!)).status).toBe(200)
      await killHard(daemon)
      daemon = await startListening({ dataDir, port, password: PASSWORD })
      expect(daemon.output()).toMatch(/reissuedTokenFiles=0 removedTokenFiles=1/)
      await expectConsistent()
    } finally {
      if (daemon !== undefined) await killHard(daemon)
      execFileSync("umount", [tokenDir])
    }
  }, 90_000)
})

// -------------------------------------------------------------------------------------------------------
// Token directories that must not be trusted

describe("a token directory that cannot be trusted is refused at start, with the fix", () => {
  const refusedWith = async (prepare: (tokenDir: string) => void, fix: RegExp) => {
    const dataDir = makeTempDataDir()
    dirs.push(dataDir)
    const tokenDir = dataDirLayout(dataDir).tokenDir
    prepare(tokenDir)
    const daemon = launchDaemon({ dataDir, port: await freePort(), password: PASSWORD })
    expect(await daemon.exited).toBe(1)
    expect(daemon.output()).not.toContain("listening")
    expect(daemon.output()).toContain(tokenDir)
    expect(daemon.output()).toMatch(fix)
    expect(daemon.output()).not.toContain(PASSWORD)
    figures.hostileDirectoriesRefused++
  }

  it("a symbolic link, even to a safe directory", async () => {
    const target = makeTempDataDir()
    dirs.push(target)
    await refusedWith((tokenDir) => fs.symlinkSync(target, tokenDir), /symbolic link.*rm .*mcp-tokens && mkdir -m 700 .*mcp-tokens/s)
  }, 30_000)

  it("group-writable or world-writable", async () => {
    for (const mode of [0o770, 0o777, 0o702]) {
      await refusedWith((tokenDir) => {
        fs.mkdirSync(tokenDir)
        fs.chmodSync(tokenDir, mode)
      }, /writable by group or others.*chmod 700 /s)
    }
  }, 60_000)

  it.skipIf(process.getuid?.() !== 0)("owned by another user (needs root to chown)", async () => {
    await refusedWith((tokenDir) => {
      fs.mkdirSync(tokenDir, { mode: 0o700 })
      fs.chownSync(tokenDir, 65534, 65534)
    }, /owned by uid 65534.*chown \d+ .*mcp-tokens && chmod 700/s)
  }, 30_000)

  it("a file where the directory should be", async () => {
    await refusedWith((tokenDir) => fs.writeFileSync(tokenDir, "not a directory"), /not a directory/)
  }, 30_000)

  it("merely group/world-readable is tightened to 0700, and the daemon starts", async () => {
    const dataDir = makeTempDataDir()
    dirs.push(dataDir)
    const tokenDir = dataDirLayout(dataDir).tokenDir
    fs.mkdirSync(tokenDir)
    fs.chmodSync(tokenDir, 0o755)
    const daemon = await startListening({ dataDir, port: await freePort(), password: PASSWORD })
    expect(fs.statSync(tokenDir).mode & 0o777).toBe(0o700)
    await killHard(daemon)
  }, 30_000)
})
