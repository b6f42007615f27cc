// How busy the machine was with work that is not ours, while a load ran: the bench shares its cores with
// whatever else runs (other test suites, builds), and such rounds must be visible, not silently averaged.
import * as fs from "node:fs"
import * as os from "node:os"

const TICKS_PER_S = 100 // USER_HZ on Linux

/**
 * All CPUs' time so far in processes, in seconds: user, nice and system. Not irq/softirq: loopback TCP is
 * mostly softirq work on behalf of the bench's own processes, not charged to any of them.
 */
export const machineBusyS = () => {
  try {
    const fields = fs.readFileSync("/proc/stat", "utf8").split("\n", 1)[0].trim().split(/\s+/).slice(1).map(Number)
    const [user, nice, system] = fields
    return (user + nice + system) / TICKS_PER_S
  } catch {
    return Number.NaN
  }
}

/** CPU seconds used so far by process `pid` (user + system), NaN once it is gone. */
export const processCpuS = (pid) => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S
  } catch {
    return Number.NaN
  }
}

const selfCpuS = () => {
  const { system, user } = process.cpuUsage()
  return (user + system) / 1e6
}

/**
 * Runs `f` (a load in a child process that reports its own `cpuS`) and adds `foreignCores`: CPU used by
 * other processes during the run, in cores, i.e. machine busy time minus ours (servers `pids`, the load
 * child, this runner), divided by the wall time. ~0 on a quiet machine. `pidCpuS`: each of `pids`' CPU
 * seconds during the run.
 */
export const withForeignCpu = async (pids, f) => {
  const wall0 = performance.now()
  const busy0 = machineBusyS()
  const ours0 = pids.map(processCpuS)
  const self0 = selfCpuS()
  const result = await f()
  const wallS = (performance.now() - wall0) / 1000
  const pidCpuS = pids.map((pid, i) => processCpuS(pid) - ours0[i])
  const ours = pidCpuS.reduce((a, b) => a + b, 0)
  const used = machineBusyS() - busy0 - ours - (result.cpuS ?? 0) - (selfCpuS() - self0)
  return { ...result, pidCpuS, foreignCores: Math.max(0, used / wallS), cores: os.availableParallelism() }
}

/**
 * Waits until other processes use less than `maxCores` (sampled over `sampleMs`; `pids` are ours and idle
 * servers), for at most `timeoutS`. Resolves the last sample, in cores.
 */
export const waitQuiet = async ({ pids = [], maxCores = 0.15, sampleMs = 500, timeoutS = 30 } = {}) => {
  const until = performance.now() + timeoutS * 1000
  for (;;) {
    const busy0 = machineBusyS()
    const ours0 = pids.map(processCpuS)
    const self0 = selfCpuS()
    await new Promise((resolve) => setTimeout(resolve, sampleMs))
    const ours = pids.map(processCpuS).reduce((sum, now, i) => sum + (now - ours0[i]), 0)
    const other = Math.max(0, (machineBusyS() - busy0 - ours - (selfCpuS() - self0)) / (sampleMs / 1000))
    if (other < maxCores || performance.now() > until) return other
  }
}
