import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

// The built programs: the root `npm test` builds them before running the tests
// (while developing: `npx tsc -b packages/mcp packages/server`).
export const MCP_MAIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url))
export const DAEMON_BIN = fileURLToPath(new URL("../../../server/dist/bundle/waiaas.js", import.meta.url))

export const MASTER_PASSWORD = "correct horse battery staple"

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })

export const makeTempDir = (prefix: string): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix))

export interface Daemon {
  readonly child: ChildProcess
  readonly baseUrl: string
  readonly output: () => string
  readonly exited: Promise<number | null>
  /** A request with the master password; JSON in, status and parsed JSON out. */
  readonly admin: (method: string, route: string, body?: unknown) => Promise<{ status: number; json: any }>
}

/** `waiaas start` as a process, resolved once it listens (or exits). */
export const startDaemon = async (dataDir: string, env: Record<string, string> = {}): Promise<Daemon> => {
  const port = await freePort()
  let output = ""
  const child = spawn(process.execPath, [DAEMON_BIN, "start"], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: dataDir,
      WAIAAS_DATA_DIR: dataDir,
      WAIAAS_DAEMON_PORT: String(port),
      WAIAAS_MASTER_PASSWORD: MASTER_PASSWORD,
      ...env
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
  const baseUrl = `http://127.0.0.1:${port}`
  const admin = async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${baseUrl}${route}`, {
      method,
      headers: {
        "X-Master-Password": MASTER_PASSWORD,
        ...(body === undefined ? {} : { "content-type": "application/json" })
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const text = await response.text()
    return { status: response.status, json: text === "" ? undefined : JSON.parse(text) }
  }
  return { child, baseUrl, output: () => output, exited, admin }
}

export const stopDaemon = async (daemon: Daemon): Promise<number | null> => {
  if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill("SIGTERM")
  return daemon.exited
}
