import { describe, expect, it } from "vitest"
import * as fs from "node:fs"
import { makeTempDataDir, spawnDaemon, stopDaemon } from "../testing/DaemonProcess.js"

// bin/waiaas.js is what `npm start` and `waiaas` run: its shebang carries the launch settings that
// `npm run bench` measures (README, Performance). This runs it as an executable, as a shell would.
describe("the waiaas launcher", () => {
  it("starts the bundled daemon with its memory setting", async () => {
    const dataDir = makeTempDataDir()
    try {
      const daemon = await spawnDaemon({ dataDir, password: "correct horse battery staple", viaLauncher: true })
      expect(daemon.output()).toContain("daemon listening on")
      const pid = daemon.child.pid!
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")
      expect(cmdline).toContain("--max-semi-space-size=8")
      expect(cmdline.some((arg) => arg.endsWith("bin/waiaas.js"))).toBe(true)
      const health = await fetch(`${daemon.baseUrl}/health`)
      expect(health.status).toBe(200)
      expect(await stopDaemon(daemon)).toBe(0)
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  })

  it("answers --version", async () => {
    const dataDir = makeTempDataDir()
    try {
      const run = await spawnDaemon({ dataDir, args: ["--version"], viaLauncher: true })
      expect(await run.exited).toBe(0)
      expect(run.output().trim()).toMatch(/^\d+\.\d+\.\d+$/)
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
