import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** The built (bundled) CLI, what bin/waiaas.js runs; `npm test` builds before it runs the tests. */
export const BIN = fileURLToPath(new URL("../../dist/bundle/waiaas.js", import.meta.url))

/** The `waiaas` command itself: run as an executable, so that its shebang's launch settings apply. */
export const LAUNCHER = fileURLToPath(new URL("../../bin/waiaas.js", import.meta.url))

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })

export const makeTempDataDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "waiaas-proc-"))

export interface DaemonProcess {
  readonly child: ChildProcess
  readonly port: number
  readonly baseUrl: string
  /** Everything it printed so far, stdout and stderr. */
  readonly output: () => string
  /** Resolves with the exit code once it has exited. */
  readonly exited: Promise<number | null>
}

/** Runs `waiaas <args>` and waits until it listens, or until it exits (the promise still resolves). */
export const spawnDaemon = async (options: {
  readonly dataDir: string
  readonly password?: string
  readonly port?: number
  readonly env?: Record<string, string>
  readonly args?: ReadonlyArray<string>
  /** Through LAUNCHER, as users run it, rather than `node BIN`. */
  readonly viaLauncher?: boolean
}): Promise<DaemonProcess> => {
  const port = options.port ?? await freePort()
  let output = ""
  const args = options.args ?? ["start"]
  const child = spawn(options.viaLauncher ? LAUNCHER : process.execPath, options.viaLauncher ? args : [BIN, ...args], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: options.dataDir,
      WAIAAS_DATA_DIR: options.dataDir,
      WAIAAS_DAEMON_PORT: String(port),
      ...(options.password === undefined ? {} : { WAIAAS_MASTER_PASSWORD: options.password }),
      ...options.env
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  await new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8")
      if (output.includes("daemon listening on")) resolve()
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", onData)
    void exited.then(() => resolve())
  })
  return { child, port, baseUrl: `http://127.0.0.1:${port}`, output: () => output, exited }
}

export const stopDaemon = async (daemon: DaemonProcess): Promise<number | null> => {
  if (daemon.child.exitCode === null) daemon.child.kill("SIGTERM")
  return daemon.exited
}
