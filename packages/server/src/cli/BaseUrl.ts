// The config module alone: the adapters index would load SQLite, argon2 and jose for nothing.
import { loadDaemonConfig } from "@waiaas/adapters/Config/DaemonConfig"
import { Data, Effect } from "effect"
import { resolveDataDir } from "./DataDir.js"

export class BaseUrlInvalid extends Data.TaggedError("BaseUrlInvalid")<{ readonly message: string }> {}

/** `http://<hostname>:<port>`, an IPv6 address in brackets. */
export const daemonBaseUrl = (hostname: string, port: number): string =>
  `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`

/**
 * Where the CLI finds the daemon: `WAIAAS_BASE_URL`, else `daemon.hostname`/`daemon.port` of the data dir's
 * config (WAIAAS_DATA_DIR or ~/.waiaas, with its `WAIAAS_DAEMON_*` overrides), as `waiaas start` would use them.
 */
export const resolveBaseUrl = (env: Record<string, string | undefined>) =>
  Effect.gen(function*() {
    const fromEnv = env.WAIAAS_BASE_URL?.trim()
    if (fromEnv !== undefined && fromEnv !== "") {
      const url = URL.canParse(fromEnv) ? new URL(fromEnv) : undefined
      if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
        return yield* new BaseUrlInvalid({
          message: `WAIAAS_BASE_URL is not an http(s) URL: ${fromEnv} (e.g. http://127.0.0.1:3100)`
        })
      }
      return fromEnv.replace(/\/+$/, "")
    }
    const config = yield* loadDaemonConfig(resolveDataDir(env), env)
    return daemonBaseUrl(config.daemon.hostname, config.daemon.port)
  })
