import { Either, Option } from "effect"
import { parse as parseToml, stringify as stringifyToml, TomlError } from "smol-toml"
import {
  type ConfigObject,
  deepEqual,
  type EntryOutcome,
  isConfigObject,
  type MergeableEntry,
  mergeEntries
} from "./ConfigMerge.js"
import { jsoncToJson, parseJson } from "./Jsonc.js"
import { replaceTables } from "./TomlTables.js"

// The new text of a client config file with our entries merged in: pure, from the old text (if any).
// ConfigInstall does the reading, the backup and the atomic write around it.

/** json: strict JSON; jsonc: comments and trailing commas allowed (and dropped); toml: Codex. */
export type ConfigSyntax = "json" | "jsonc" | "toml"

export interface EditedConfig {
  readonly text: string
  readonly entries: ReadonlyArray<EntryOutcome>
  readonly kept: ReadonlyArray<string>
  /** The old file had comments (TOML: or formatting) that the new text could not carry over. */
  readonly commentsDropped: boolean
}

/** Why the file is left alone: it does not parse, or the place for our entry is taken by a non-object. */
export interface ConfigRefused {
  readonly _tag: "ConfigRefused"
  readonly reason: string
}

const refused = (reason: string): ConfigRefused => ({ _tag: "ConfigRefused", reason })

export const allUnchanged = (edited: EditedConfig): boolean => edited.entries.every((entry) => entry.change === "unchanged")

const containerProblem = (syntax: ConfigSyntax, path: ReadonlyArray<string>) =>
  refused(`its ${syntax === "toml" ? `[${path.join(".")}]` : `"${path.join(".")}"`} is not ${
    syntax === "toml" ? "a table" : "an object"
  }`)

const withoutBom = (text: string) => text.replace(/^\uFEFF/, "")

/** The indentation the file already uses (two spaces if it has none). */
const indentationOf = (text: string): string | number => {
  const indented = /^[{[][^\n]*\n([ \t]+)\S/m.exec(text) ?? /\n([ \t]+)"/.exec(text)
  return indented === null ? 2 : indented[1]!.startsWith("\t") ? "\t" : indented[1]!.length
}

const editJson = (
  syntax: "json" | "jsonc",
  previous: Option.Option<string>,
  entries: ReadonlyArray<MergeableEntry>
): Either.Either<EditedConfig, ConfigRefused> => {
  const source = withoutBom(Option.getOrElse(previous, () => ""))
  const plain = syntax === "jsonc" ? jsoncToJson(source) : { text: source, hadComments: false }
  let document: ConfigObject = {}
  if (plain.text.trim() !== "") {
    const parsed = parseJson(plain.text)
    if (parsed._tag === "Invalid") {
      return Either.left(refused(`is not valid JSON${syntax === "jsonc" ? " (even allowing comments)" : ""} (${parsed.reason})`))
    }
    if (!isConfigObject(parsed.value)) return Either.left(refused("does not hold a JSON object at the top level"))
    document = parsed.value
  }
  return Either.match(mergeEntries(document, entries), {
    onLeft: (problem) => Either.left(containerProblem(syntax, problem.path)),
    onRight: (merged) =>
      Either.right({
        text: `${JSON.stringify(merged.document, null, indentationOf(source))}\n`,
        entries: merged.entries,
        kept: merged.kept,
        commentsDropped: plain.hadComments
      })
  })
}

const tomlProblem = (error: unknown): ConfigRefused =>
  error instanceof TomlError
    ? refused(
      `is not valid TOML (line ${error.line}, column ${error.column}: ${
        error.message.replace(/^Invalid TOML document: /, "").split("\n")[0]
      })`
    )
    : refused(`is not valid TOML (${String(error)})`)

const parseTomlText = (text: string): Either.Either<ConfigObject, unknown> =>
  Either.try(() => parseToml(text, { integersAsBigInt: "asNeeded" }) as ConfigObject)

/** Our entries as TOML tables: `[mcp_servers.<name>]` and its sub-tables. */
const entryTables = (entries: ReadonlyArray<MergeableEntry>, document: ConfigObject): string =>
  entries.map((entry) => {
    const value = entry.containerPath.reduce<unknown>(
      (node, key) => isConfigObject(node) ? node[key] : undefined,
      document
    ) as ConfigObject
    const nested = [...entry.containerPath, entry.name].reduceRight<unknown>(
      (inner, key) => ({ [key]: inner }),
      value[entry.name]
    )
    return stringifyToml(nested)
  }).join("\n")

const editToml = (
  previous: Option.Option<string>,
  entries: ReadonlyArray<MergeableEntry>
): Either.Either<EditedConfig, ConfigRefused> => {
  const source = withoutBom(Option.getOrElse(previous, () => ""))
  const parsed = parseTomlText(source)
  if (Either.isLeft(parsed)) return Either.left(tomlProblem(parsed.left))
  return Either.match(mergeEntries(parsed.right, entries), {
    onLeft: (problem) => Either.left(containerProblem("toml", problem.path)),
    onRight: (merged) => {
      const outcome = { entries: merged.entries, kept: merged.kept }
      if (merged.entries.every((entry) => entry.change === "unchanged")) {
        return Either.right({ ...outcome, text: source, commentsDropped: false })
      }
      // Keep the user's file as written wherever possible: swap only our tables, then check that the
      // result means exactly the merged document. If it does not, re-serialise (losing comments).
      const candidate = entries.reduce(
        (text, entry) => replaceTables(text, [...entry.containerPath, entry.name], entryTables([entry], merged.document)),
        source
      )
      const reparsed = parseTomlText(candidate)
      if (Either.isRight(reparsed) && deepEqual(reparsed.right, merged.document)) {
        return Either.right({ ...outcome, text: candidate, commentsDropped: false })
      }
      return Either.right({
        ...outcome,
        text: stringifyToml(merged.document),
        commentsDropped: source.trim() !== ""
      })
    }
  })
}

/** The file's new text with `entries` merged in; `previous` is its old text (none: the file is new). */
export const editConfig = (
  syntax: ConfigSyntax,
  previous: Option.Option<string>,
  entries: ReadonlyArray<MergeableEntry>
): Either.Either<EditedConfig, ConfigRefused> =>
  syntax === "toml" ? editToml(previous, entries) : editJson(syntax, previous, entries)

/** A file that holds nothing but our entry (Continue's one-file-per-server blocks). */
export const replaceWholeFile = (
  previous: Option.Option<string>,
  name: string,
  content: string
): EditedConfig => ({
  text: content,
  entries: [{
    name,
    change: Option.match(previous, {
      onNone: () => "added" as const,
      onSome: (old) => old === content ? "unchanged" as const : "replaced" as const
    })
  }],
  kept: [],
  commentsDropped: false
})
