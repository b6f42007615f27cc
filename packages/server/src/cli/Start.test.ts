import { describe, expect, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { type DaemonProcess, spawnDaemon, stopDaemon } from "../testing/DaemonProcess.js"
import { tempDirsRemovedAfterAll } from "../testing/TempDirs.js"

const PASSWORD = "correct horse battery staple"
const tempDir = tempDirsRemovedAfterAll("waiaas-proc-")

const health = (daemon: DaemonProcess) => fetch(`${daemon.baseUrl}/health`).then((r) => r.status)

describe("waiaas start (the built CLI, as a process)", () => {
  it("creates the data dir 0700, serves, and on SIGTERM exits 0 and releases its lock", async () => {
    const dataDir = path.join(tempDir(), "nested", "data")
    const daemon = await spawnDaemon({ dataDir, password: PASSWORD })
    expect(await health(daemon)).toBe(200)
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700)
    expect(fs.statSync(path.join(dataDir, "waiaas.db")).mode & 0o077).toBe(0)
    expect(fs.readFileSync(path.join(dataDir, "daemon.lock"), "utf8").trim()).toBe(String(daemon.child.pid))
    expect(await stopDaemon(daemon)).toBe(0)
    expect(fs.existsSync(path.join(dataDir, "daemon.lock"))).toBe(false)
    expect(daemon.output()).toMatch(/message="Stopping: in-flight requests finish[^\n]*\n[^]*message="WAIaaS daemon stopped"/)
  })

  it("refuses a second daemon on the same data dir at once", async () => {
    const dataDir = tempDir()
    const first = await spawnDaemon({ dataDir, password: PASSWORD })
    const second = await spawnDaemon({ dataDir, password: PASSWORD })
    expect(await second.exited).toBe(1)
    expect(second.output()).toContain(`Another daemon (pid ${first.child.pid}) is already running on ${dataDir}`)
    expect(await health(first)).toBe(200)
    await stopDaemon(first)
  })

  it("takes over the lock of a daemon that was killed", async () => {
    const dataDir = tempDir()
    const first = await spawnDaemon({ dataDir, password: PASSWORD })
    first.child.kill("SIGKILL")
    await first.exited
    const second = await spawnDaemon({ dataDir, password: PASSWORD })
    expect(await health(second)).toBe(200)
    await stopDaemon(second)
  })

  it("checks every token file at start only after an unclean stop (a kill), not after a clean one", async () => {
    const dataDir = tempDir()
    await stopDaemon(await spawnDaemon({ dataDir, password: PASSWORD }))
    // Written while the daemon was stopped, by something else: a clean stop left the directory consistent,
    // so the daemon does not look; after a kill it checks every file, and this one has no session.
    const planted = path.join(dataDir, "mcp-tokens", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
    fs.writeFileSync(planted, "wai_sess_planted.planted.planted\n", { mode: 0o600 })
    const afterCleanStop = await spawnDaemon({ dataDir, password: PASSWORD })
    expect(await health(afterCleanStop)).toBe(200)
    expect(afterCleanStop.output()).toContain("not rechecked (clean stop)")
    expect(fs.existsSync(planted)).toBe(true)
    afterCleanStop.child.kill("SIGKILL")
    await afterCleanStop.exited

    const afterKill = await spawnDaemon({ dataDir, password: PASSWORD })
    expect(await health(afterKill)).toBe(200)
    expect(afterKill.output()).toMatch(/reissuedTokenFiles=0 removedTokenFiles=1/)
    expect(fs.existsSync(planted)).toBe(false)
    expect(await stopDaemon(afterKill)).toBe(0)
    expect(fs.existsSync(path.join(dataDir, "daemon.lock"))).toBe(false)
  })

  it("exits non-zero before listening when the password differs from the first start's", async () => {
    const dataDir = tempDir()
    await stopDaemon(await spawnDaemon({ dataDir, password: PASSWORD }))
    const wrong = await spawnDaemon({ dataDir, password: "another password" })
    expect(await wrong.exited).toBe(1)
    expect(wrong.output()).toContain("does not match the one this data directory was first started with")
    expect(wrong.output()).not.toContain("listening")
    expect(wrong.output()).not.toContain("another password")
  })

  it("reads the password from WAIAAS_MASTER_PASSWORD_FILE, and says what is missing without one", async () => {
    const dataDir = tempDir()
    const file = path.join(tempDir(), "password") // outside the data dir
    fs.writeFileSync(file, `${PASSWORD}\n`, { mode: 0o600 })
    await stopDaemon(await spawnDaemon({ dataDir, password: PASSWORD }))
    const fromFile = await spawnDaemon({ dataDir, env: { WAIAAS_MASTER_PASSWORD_FILE: file } })
    expect(await health(fromFile)).toBe(200)
    await stopDaemon(fromFile)
    const none = await spawnDaemon({ dataDir: tempDir() })
    expect(await none.exited).toBe(1)
    expect(none.output()).toContain("No master password: set WAIAAS_MASTER_PASSWORD or WAIAAS_MASTER_PASSWORD_FILE")
  })

  it("names the bad key of an invalid configuration and exits 1", async () => {
    const dataDir = tempDir()
    fs.writeFileSync(path.join(dataDir, "config.toml"), "[security]\nsession_ttl = 5\n")
    const daemon = await spawnDaemon({ dataDir, password: PASSWORD })
    expect(await daemon.exited).toBe(1)
    expect(daemon.output()).toContain("security.session_ttl")
  })

  it("exits promptly on SIGTERM although a client holds a connection that never sent a request", async () => {
    const daemon = await spawnDaemon({ dataDir: tempDir(), password: PASSWORD })
    const quiet = net.connect(daemon.port, "127.0.0.1")
    await new Promise((resolve) => quiet.once("connect", resolve))
    const closedByServer = new Promise((resolve) => quiet.once("close", resolve))
    const startedAt = Date.now()
    daemon.child.kill("SIGTERM")
    expect(await daemon.exited).toBe(0)
    await closedByServer
    // Node alone would hold the shutdown until its header timeout check (~40 s here).
    expect(Date.now() - startedAt).toBeLessThan(5_000)
  })

  it("lets an in-flight request finish on SIGTERM", async () => {
    const daemon = await spawnDaemon({ dataDir: tempDir(), password: PASSWORD })
    const body = JSON.stringify({ name: "in flight" })
    const socket = net.connect(daemon.port, "127.0.0.1")
    await new Promise((resolve) => socket.once("connect", resolve))
    let response = ""
    socket.on("data", (chunk) => response += chunk.toString("utf8"))
    const closed = new Promise((resolve) => socket.once("close", resolve))
    socket.write(
      `POST /v1/wallets HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `X-Master-Password: ${PASSWORD}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 5)}`
    )
    await new Promise((resolve) => setTimeout(resolve, 200))
    daemon.child.kill("SIGTERM")
    await new Promise((resolve) => setTimeout(resolve, 200))
    socket.write(body.slice(5))
    await closed
    expect(response).toMatch(/^HTTP\/1\.1 201/)
    expect(response).toContain("\"name\":\"in flight\"")
    expect(await daemon.exited).toBe(0)
    // The log tells the stop's story in order: it began, the in-flight request was answered, it ended.
    const log = daemon.output()
    const stopping = log.indexOf("Stopping: in-flight requests finish")
    const answered = log.indexOf("path=/v1/wallets status=201")
    const stopped = log.indexOf("WAIaaS daemon stopped")
    expect([stopping > -1, answered > stopping, stopped > answered]).toEqual([true, true, true])
  })
})
