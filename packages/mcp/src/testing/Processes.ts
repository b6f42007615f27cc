import { type DaemonProcess, spawnDaemon, stopDaemon } from "@waiaas/server/testing/DaemonProcess"
import { fileURLToPath } from "node:url"

// The built programs: the root `npm test` builds them before running the tests
// (while developing: `npm run build`). The daemon is started by the server's own test helper.
export const MCP_MAIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url))

export const MASTER_PASSWORD = "correct horse battery staple"

export interface Daemon extends DaemonProcess {
  /** A request with the master password; JSON in, status and parsed JSON out. */
  readonly admin: (method: string, route: string, body?: unknown) => Promise<{ status: number; json: any }>
}

/** `waiaas start` as a process (the server's own test helper), resolved once it listens (or exits). */
export const startDaemon = async (dataDir: string, env: Record<string, string> = {}): Promise<Daemon> => {
  const daemon = await spawnDaemon({ dataDir, password: MASTER_PASSWORD, env })
  const admin = async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${daemon.baseUrl}${route}`, {
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
  return { ...daemon, admin }
}

export { stopDaemon }
