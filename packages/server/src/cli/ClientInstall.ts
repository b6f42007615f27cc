import { clientLabel, clientSnippets, type McpClientId } from "@waiaas/domain"
import { Effect, Either, Option } from "effect"
import { type ConfigSyntax, editConfig, replaceWholeFile } from "./ConfigEdit.js"
import type { EntryChange } from "./ConfigMerge.js"
import { checkFileMergeable, ConfigInstallFailed, installIntoFile, type InstallOutcome } from "./ConfigInstall.js"
import { type ConfigPathContext, configPathFor } from "./ConfigPaths.js"
import { entriesOf, type Provisioned, snippetOf } from "./ProvisionedConfig.js"

// `mcp setup --install`: the provisioned servers merged into the chosen client's own config file, and a
// report of what changed. Claude Code is the exception: see `claudeCodeNotice`.

/** Clients whose settings files accept comments and trailing commas (they are dropped on rewrite). */
const JSONC_CLIENTS: ReadonlySet<McpClientId> = new Set(["zed", "vscode", "gemini"])

const syntaxOf = (client: McpClientId, format: "json" | "toml"): ConfigSyntax =>
  format === "toml" ? "toml" : JSONC_CLIENTS.has(client) ? "jsonc" : "json"

/**
 * Claude Code keeps user-scope servers in ~/.claude.json, next to its projects, history and state, and every
 * running Claude Code process rewrites that file; an outside write would race with them. Its own command is
 * the supported way in, and it validates the entry.
 */
const claudeCodeNotice = (commands: ReadonlyArray<string>): ReadonlyArray<string> => [
  "Claude Code rewrites its config (~/.claude.json) while it runs, so waiaas does not edit that file.",
  "Add the server with Claude Code's own command:",
  "",
  ...commands.map((command) => `  ${command}`)
]

const pad = (label: string) => `  ${label.padEnd(9)} `

/** What one install did, for people: the file, each entry's change, what was kept, the backup. */
export const describeInstall = (label: string, outcome: InstallOutcome): ReadonlyArray<string> => {
  if (!outcome.written) {
    return [
      `Already installed for ${label} in ${outcome.file}: ${
        outcome.entries.map((e) => e.name).join(", ")
      } ${outcome.entries.length === 1 ? "is" : "are"} up to date; nothing was written.`
    ]
  }
  const lines = [`Installed for ${label} into ${outcome.file}:`]
  for (const change of ["added", "replaced", "unchanged"] satisfies ReadonlyArray<EntryChange>) {
    const names = outcome.entries.filter((e) => e.change === change).map((e) => e.name)
    if (names.length > 0) lines.push(`${pad(change)}${names.join(", ")}`)
  }
  if (outcome.kept.length > 0) lines.push(`${pad("kept")}${outcome.kept.join(", ")}`)
  lines.push(`${pad("backup")}${Option.getOrElse(outcome.backup, () => "none (the file is new)")}`)
  if (outcome.commentsDropped) {
    lines.push(`${pad("note")}the old file's comments (and formatting) could not be kept; the backup has them`)
  }
  return lines
}

const pathOrFail = (label: string, result: Either.Either<string, string>) =>
  Either.mapLeft(result, (problem) => new ConfigInstallFailed({ message: `Cannot install for ${label}: ${problem}` }))

/** Installs the provisioned wallets' servers for `client`; returns the lines to print. */
export const installForClient = (
  client: McpClientId,
  provisioned: ReadonlyArray<Provisioned>,
  context: ConfigPathContext
) =>
  Effect.gen(function*() {
    const label = clientLabel(client)
    const snippets = yield* Effect.all(provisioned.map((p) => snippetOf(p, client)))
    const first = snippets[0]
    if (first === undefined) return []
    const restart = `Restart ${label}, or reload its MCP servers, to start ${provisioned.length === 1 ? "it" : "them"}.`

    switch (first.format) {
      case "shell":
        return claudeCodeNotice(snippets.map((s) => s.content))
      case "yaml": {
        // One file per server: ours entirely, so it is replaced rather than merged.
        const lines: Array<string> = []
        for (const [i, snippet] of snippets.entries()) {
          const file = yield* pathOrFail(label, configPathFor(label, snippet.configPaths, context))
          const name = provisioned[i]!.serverName
          const outcome = yield* installIntoFile(file, (previous) => Either.right(replaceWholeFile(previous, name, snippet.content)))
          lines.push(...describeInstall(label, outcome))
        }
        return [...lines, restart]
      }
      case "json":
      case "toml": {
        const syntax = syntaxOf(client, first.format)
        const file = yield* pathOrFail(label, configPathFor(label, first.configPaths, context))
        const entries = yield* entriesOf(client, provisioned)
        const outcome = yield* installIntoFile(file, (previous) => editConfig(syntax, previous, entries))
        return [...describeInstall(label, outcome), ...(outcome.written ? [restart] : [])]
      }
    }
  })

/** Any launch: a client's format and file (Continue aside) do not depend on the wallet. */
const PLACEHOLDER_LAUNCH = {
  serverName: "waiaas-wallet",
  command: "npx",
  args: [],
  env: { WAIAAS_DATA_DIR: "", WAIAAS_BASE_URL: "", WAIAAS_WALLET_ID: "", WAIAAS_WALLET_NAME: "" }
}

/**
 * Before anything is provisioned: can the client's file be located, read and merged into? A broken file
 * fails here, so no token is minted for a config that cannot take it. (The install itself checks again.)
 */
export const checkInstallable = (client: McpClientId, context: ConfigPathContext) =>
  Effect.gen(function*() {
    const { configPaths, format } = clientSnippets(PLACEHOLDER_LAUNCH).find((s) => s.client === client)!
    if (format !== "json" && format !== "toml") return
    const label = clientLabel(client)
    const file = yield* pathOrFail(label, configPathFor(label, configPaths, context))
    yield* checkFileMergeable(file, (previous) => editConfig(syntaxOf(client, format), previous, []))
  })
