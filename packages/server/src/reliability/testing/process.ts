import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import { BIN } from "../../testing/DaemonProcess.js"

export interface LaunchedDaemon {
  readonly child: ChildProcess
  readonly port: number
  /** Everything it printed so far, stdout and stderr together. */
  readonly output: () => string
  /** Resolves once the output contains `text` (true), or the process exited first (false). */
  readonly printed: (text: string) => Promise<boolean>
  /** Resolves with the exit code, or the signal name, once it has exited. */
  readonly exited: Promise<number | string | null>
  /** VmRSS of the process in KiB, from /proc (undefined off Linux or once it is gone). */
  readonly rssKiB: () => number | undefined
  /** Open file descriptors (sockets included), from /proc (undefined off Linux or once it is gone). */
  readonly openFds: () => number | undefined
}

/**
 * `node dist/bin.js start` on `dataDir` and `port`, returned at once (unlike spawnDaemon, which waits for
 * "listening"): the crash test also kills daemons that are still starting.
 */
export const launchDaemon = (options: {
  readonly dataDir: string
  readonly port: number
  readonly password: string
  readonly env?: Record<string, string>
  /** Options for node itself, before the script (e.g. a heap limit). */
  readonly nodeArgs?: ReadonlyArray<string>
}): LaunchedDaemon => {
  let output = ""
  const watchers: Array<{ readonly text: string; readonly resolve: (found: boolean) => void }> = []
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, "start"], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: options.dataDir,
      WAIAAS_DATA_DIR: options.dataDir,
      WAIAAS_DAEMON_PORT: String(options.port),
      WAIAAS_MASTER_PASSWORD: options.password,
      ...options.env
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const exited = new Promise<number | string | null>((resolve) =>
    child.once("exit", (code, signal) => {
      for (const watcher of watchers.splice(0)) watcher.resolve(output.includes(watcher.text))
      resolve(code ?? signal)
    })
  )
  const onData = (chunk: Buffer) => {
    output += chunk.toString("utf8")
    for (const watcher of [...watchers]) {
      if (output.includes(watcher.text)) {
        watchers.splice(watchers.indexOf(watcher), 1)
        watcher.resolve(true)
      }
    }
  }
  child.stdout!.on("data", onData)
  child.stderr!.on("data", onData)
  const printed = (text: string) =>
    output.includes(text)
      ? Promise.resolve(true)
      : child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve(false)
      : new Promise<boolean>((resolve) => watchers.push({ text, resolve }))
  const rssKiB = () => {
    try {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, "utf8")
      const match = /^VmRSS:\s+(\d+) kB$/m.exec(status)
      return match === null ? undefined : Number(match[1])
    } catch {
      return undefined
    }
  }
  const openFds = () => {
    try {
      return fs.readdirSync(`/proc/${child.pid}/fd`).length
    } catch {
      return undefined
    }
  }
  return { child, port: options.port, output: () => output, printed, exited, rssKiB, openFds }
}

/** Starts the daemon and waits until it listens; fails with its output if it exits instead. */
export const startListening = async (options: Parameters<typeof launchDaemon>[0]): Promise<LaunchedDaemon> => {
  const daemon = launchDaemon(options)
  if (!(await daemon.printed("daemon listening on"))) {
    throw new Error(`the daemon exited (${await daemon.exited}) instead of listening:\n${daemon.output()}`)
  }
  return daemon
}

export const killHard = async (daemon: LaunchedDaemon): Promise<void> => {
  if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill("SIGKILL")
  await daemon.exited
}

export const stopGracefully = async (daemon: LaunchedDaemon): Promise<number | string | null> => {
  if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill("SIGTERM")
  return daemon.exited
}
