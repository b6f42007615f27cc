import { describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

// Smoke test for `npm run bench`: the quick mode (small counts, one round) must produce every figure of
// the issue as a number. It never checks that a figure is fast: that is what the full run reports.

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))

/** Every figure the README table reports; run.mjs must produce each of them, as a finite number. */
const REQUIRED = [
  // 1. session auth vs the reference server
  "session.rps",
  "session.p99",
  "session.ref_rps",
  "session.ref_p99",
  "session.ratio",
  // 2. provisioning vs its floor, sequential and 8 in flight
  "prov.seq.p50",
  "prov.seq.p99",
  "prov.seq.floor_p50",
  "prov.seq.floor_p99",
  "prov.seq.over_floor",
  "prov.seq.ref_over_floor",
  "prov.par.p50",
  "prov.par.p99",
  "prov.par.floor_p50",
  "prov.par.floor_p99",
  "prov.par.over_floor",
  "prov.par.ref_over_floor",
  // 3. the same at scale, as ratios to the empty database
  "scale.session.rps",
  "scale.session.rps_ratio",
  "scale.session.p99",
  "scale.session.p99_ratio",
  "scale.prov.seq.p50",
  "scale.prov.seq.ratio",
  "scale.prov.par.p50",
  "scale.prov.par.ratio",
  // 4. start and memory
  "start.ms",
  "start.rss",
  "start.rss_end",
  // 5. under a wrong-password flood
  "attack.idle_p99",
  "attack.flood_p99",
  "attack.ratio"
]

interface Figure {
  readonly id: string
  readonly label: string
  readonly value: unknown
  readonly unit: string
}

const runQuick = (out: string) =>
  new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve, reject) => {
    // At a low priority (nice 10, no privilege needed): other test files running at the same time keep
    // their CPU, and this one only has to finish, not to be fast.
    const child = spawn(process.execPath, ["bench/run.mjs", "--quick", "--nice=10", "--out", out], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("error", reject)
    child.on("exit", (code) => resolve({ code, stderr, stdout }))
  })

describe("npm run bench -- --quick", () => {
  it("produces every figure as a number, and the table", { timeout: 120_000 }, async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "waiaas-bench-test-")), "results.json")
    try {
      const { code, stderr, stdout } = await runQuick(out)
      // A non-zero exit also means a load got non-2xx answers: the bench measured something broken.
      expect(code, stderr.slice(-3000)).toBe(0)
      const results = JSON.parse(fs.readFileSync(out, "utf8")) as {
        readonly mode: string
        readonly figures: ReadonlyArray<Figure>
        readonly machine: { readonly nproc: number; readonly node: string }
      }
      expect(results.mode).toBe("quick")
      expect(results.machine.node).toBe(process.version)
      const byId = new Map(results.figures.map((f) => [f.id, f]))
      const missing = REQUIRED.filter((id) => {
        const value = byId.get(id)?.value
        return typeof value !== "number" || !Number.isFinite(value)
      })
      expect(missing, JSON.stringify(results.figures, null, 1)).toEqual([])
      // The printed table has a row for each of them.
      for (const id of REQUIRED) expect(stdout).toContain(byId.get(id)!.label.trim())
    } finally {
      fs.rmSync(path.dirname(out), { recursive: true, force: true })
    }
  })
})
