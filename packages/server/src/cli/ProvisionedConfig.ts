import {
  type ClientConfigEntry,
  clientConfigEntry,
  type ClientSnippet,
  type McpClientId,
  type McpLaunch,
  type McpTokenResponse
} from "@waiaas/domain"
import { Data, Either } from "effect"
import { mergeEntries } from "./ConfigMerge.js"

// What the CLI makes of `POST /v1/mcp/tokens` answers: the chosen client's snippet, the structured entries
// to merge into its config file, and one combined snippet when several wallets were provisioned. The
// daemon renders everything; nothing here decides what a client's config looks like.

export type Provisioned = typeof McpTokenResponse.Type

export class UnexpectedDaemonAnswer extends Data.TaggedError("UnexpectedDaemonAnswer")<{ readonly message: string }> {}

const unexpected = (what: string) =>
  new UnexpectedDaemonAnswer({ message: `The daemon's answer ${what} (is it the same version as this CLI?)` })

/** The launch the daemon described, read back from its Claude Desktop entry, which every answer carries. */
export const launchOf = (provisioned: Provisioned): Either.Either<McpLaunch, UnexpectedDaemonAnswer> => {
  const server = provisioned.claudeDesktopConfig.mcpServers[provisioned.serverName]
  if (server === undefined) return Either.left(unexpected(`has no server entry named ${provisioned.serverName}`))
  const { WAIAAS_DATA_DIR, WAIAAS_BASE_URL, WAIAAS_WALLET_ID, WAIAAS_WALLET_NAME } = server.env
  if (
    WAIAAS_DATA_DIR === undefined || WAIAAS_BASE_URL === undefined || WAIAAS_WALLET_ID === undefined ||
    WAIAAS_WALLET_NAME === undefined
  ) {
    return Either.left(unexpected(`lacks part of the environment of ${provisioned.serverName}`))
  }
  return Either.right({
    serverName: provisioned.serverName,
    command: server.command,
    args: server.args,
    // Every variable the daemon set, not only the four we know of.
    env: { ...server.env, WAIAAS_DATA_DIR, WAIAAS_BASE_URL, WAIAAS_WALLET_ID, WAIAAS_WALLET_NAME }
  })
}

export const snippetOf = (provisioned: Provisioned, client: McpClientId): Either.Either<ClientSnippet, UnexpectedDaemonAnswer> => {
  const snippet = provisioned.clients.find((s) => s.client === client)
  return snippet === undefined ? Either.left(unexpected(`has no config for ${client}`)) : Either.right(snippet)
}

export const entriesOf = (
  client: McpClientId,
  provisioned: ReadonlyArray<Provisioned>
): Either.Either<ReadonlyArray<ClientConfigEntry>, UnexpectedDaemonAnswer> =>
  Either.all(provisioned.map((p) => Either.map(launchOf(p), (launch) => clientConfigEntry(client, launch))))

/**
 * The text to paste for all `provisioned` wallets: one JSON document holding every server, or the wallets'
 * TOML tables / shell commands / YAML files one after the other (Continue wants one file per server).
 */
export const combinedSnippet = (
  client: McpClientId,
  provisioned: ReadonlyArray<Provisioned>
): Either.Either<string, UnexpectedDaemonAnswer> =>
  Either.gen(function*() {
    const snippets = yield* Either.all(provisioned.map((p) => snippetOf(p, client)))
    if (snippets.length === 1) return snippets[0]!.content
    const format = snippets[0]?.format
    if (format === "json") {
      const merged = mergeEntries({}, yield* entriesOf(client, provisioned))
      if (Either.isLeft(merged)) return yield* Either.left(unexpected("has entries that do not fit together"))
      return JSON.stringify(merged.right.document, null, 2)
    }
    if (format === "yaml") {
      return snippets.map((s, i) => `# ${s.configPaths.linux ?? provisioned[i]!.serverName}\n${s.content.trimEnd()}\n`).join("\n")
    }
    return snippets.map((s) => s.content.trimEnd()).join(format === "toml" ? "\n\n" : "\n")
  })
