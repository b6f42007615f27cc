import { Context } from "effect"

/** The resolved settings the domain programs depend on (decoded from config.toml and env). */
export interface DaemonSettingsShape {
  readonly dataDir: string
  /** How MCP servers reach the daemon, e.g. http://127.0.0.1:3100 */
  readonly baseUrl: string
  /** Seconds. */
  readonly sessionTtl: number
  readonly maxSessionsPerWallet: number
  /** Seconds from creation after which a session can never be renewed or used. */
  readonly sessionAbsoluteLifetime: number
  readonly maxRenewals: number
  /** Seconds the previous JWT secret still verifies after a rotation; also the minimum time between rotations. */
  readonly rotationGracePeriod: number
  /** What the MCP client snippet launches. */
  readonly mcpCommand: string
  readonly mcpArgs: ReadonlyArray<string>
}

export class DaemonSettings extends Context.Tag("waiaas/DaemonSettings")<DaemonSettings, DaemonSettingsShape>() {}
