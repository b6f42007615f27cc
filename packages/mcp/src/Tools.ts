import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import { Effect } from "effect"
import { DaemonClient } from "./DaemonClient.js"
import { ServerConfig } from "./ServerConfig.js"
import { withSessionToken } from "./SessionCall.js"
import { failureResult, jsonResult } from "./ToolResults.js"
import type { TokenSource } from "./TokenSource.js"

export type ToolRequirements = DaemonClient | TokenSource | ServerConfig

/** A tool as the MCP server registers it: its answer never fails, failures are results too. */
export interface Tool {
  readonly name: string
  readonly title: string
  readonly description: (walletName: string) => string
  readonly run: Effect.Effect<CallToolResult, never, ToolRequirements>
}

const epochAndIso = (epochSeconds: number) => ({ epoch: epochSeconds, iso: new Date(epochSeconds * 1000).toISOString() })

/** Runs a daemon call with the session token, and renders either outcome as a tool result. */
const answer = <A>(call: Effect.Effect<A, Parameters<typeof failureResult>[1], ToolRequirements>, render: (a: A) => unknown) =>
  Effect.flatMap(ServerConfig, (config) =>
    call.pipe(
      Effect.map((a) => jsonResult(render(a))),
      Effect.catchAll((error) => Effect.succeed(failureResult(config, error)))
    ))

export const getWallet: Tool = {
  name: "get_wallet",
  title: "Get wallet",
  description: (walletName) =>
    `[${walletName}] The wallet this server acts for: its id, name, chain, network and status (ACTIVE or TERMINATED).`,
  run: answer(
    Effect.flatMap(DaemonClient, (daemon) => withSessionToken(daemon.wallet)),
    (wallet) => ({ id: wallet.id, name: wallet.name, chain: wallet.chain, network: wallet.network, status: wallet.status })
  )
}

export const getSession: Tool = {
  name: "get_session",
  title: "Get session",
  description: (walletName) =>
    `[${walletName}] This server's session with the WAIaaS daemon: when it expires, how many renewals are left, ` +
    `its source and its absolute expiry. The server renews it by itself.`,
  run: answer(
    Effect.flatMap(DaemonClient, (daemon) => withSessionToken(daemon.session)),
    (session) => ({
      sessionId: session.sessionId,
      walletId: session.walletId,
      walletName: session.walletName,
      source: session.source,
      expiresAt: epochAndIso(session.expiresAt),
      absoluteExpiresAt: epochAndIso(session.absoluteExpiresAt),
      renewalCount: session.renewalCount,
      maxRenewals: session.maxRenewals,
      renewalsLeft: Math.max(0, session.maxRenewals - session.renewalCount)
    })
  )
}

export const tools: ReadonlyArray<Tool> = [getWallet, getSession]
