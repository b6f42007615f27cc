import { readFile } from "node:fs/promises"
import { join, resolve } from "node:path"
import type { DaemonSettingsShape } from "@waiaas/domain"
import { Data, Effect, Either, ParseResult, Schema, SchemaAST } from "effect"
import { parse as parseToml, TomlError } from "smol-toml"

// --- Schema -------------------------------------------------------------------------------------------------

const shown = (actual: unknown) => {
  if (actual === undefined) return ""
  const text = typeof actual === "object" && actual !== null ? JSON.stringify(actual) : typeof actual === "string"
    ? JSON.stringify(actual)
    : String(actual)
  return `, got ${text}`
}

/** One readable sentence for any failure of the key (wrong type or out of range), with the offending value. */
const explained = <S extends Schema.Schema.Any>(schema: S, requirement: string): S =>
  schema.annotations({
    message: (issue) => ({ message: `${requirement}${shown(issue.actual)}`, override: true })
  }) as S

const intBetween = (min: number, max: number) =>
  explained(
    Schema.Number.pipe(Schema.int(), Schema.between(min, max)),
    `must be a whole number between ${min} and ${max}`
  )

/** The daemon holds wallets and answers to a master password: it listens on loopback only. */
const LoopbackHostname = explained(
  Schema.Literal("127.0.0.1", "localhost", "::1"),
  `must be a loopback address: "127.0.0.1", "localhost" or "::1" (the daemon never listens on other interfaces)`
)

const LogLevel = explained(
  Schema.Literal("debug", "info", "warning", "error"),
  `must be one of "debug", "info", "warning", "error"`
)

const Command = explained(Schema.NonEmptyTrimmedString, "must be a non-empty command name or path")

const Args = explained(Schema.Array(Schema.String), "must be an array of strings")

const isWebhookUrl = (text: string): boolean => {
  if (!URL.canParse(text)) return false
  const url = new URL(text)
  return (url.protocol === "http:" || url.protocol === "https:") && url.username === "" && url.password === ""
}

/**
 * Redacted once decoded: webhook URLs often embed a secret (Discord, Slack, ntfy access tokens in the
 * path or query), so neither the value nor an error about it ever quotes it.
 */
const WebhookUrl = Schema.Redacted(
  Schema.String.pipe(Schema.filter(isWebhookUrl)).annotations({
    message: () => ({
      message: "must be an absolute http:// or https:// URL without user:password@ (the value is not shown)",
      override: true
    })
  })
)

const NtfyTopic = explained(
  Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_-]{1,64}$/)),
  "must be 1 to 64 characters from A-Z, a-z, 0-9, _ and -"
)

const DaemonSection = Schema.Struct({
  port: Schema.optionalWith(intBetween(1024, 65535), { exact: true, default: () => 3100 }),
  hostname: Schema.optionalWith(LoopbackHostname, { exact: true, default: () => "127.0.0.1" as const }),
  log_level: Schema.optionalWith(LogLevel, { exact: true, default: () => "info" as const }),
  /** Seconds of inactivity after which the Admin UI logs out. */
  admin_timeout: Schema.optionalWith(intBetween(5, 86_400), { exact: true, default: () => 900 })
})

const SecuritySection = Schema.Struct({
  /** Seconds. */
  session_ttl: Schema.optionalWith(intBetween(300, 604_800), { exact: true, default: () => 86_400 }),
  max_sessions_per_wallet: Schema.optionalWith(intBetween(1, 50), { exact: true, default: () => 5 }),
  /** Seconds (30 days). */
  session_absolute_lifetime: Schema.optionalWith(intBetween(3600, 31_536_000), { exact: true, default: () => 2_592_000 }),
  max_renewals: Schema.optionalWith(intBetween(0, 1000), { exact: true, default: () => 30 }),
  /** Seconds the previous JWT secret still verifies after a rotation (and the minimum time between two). */
  rotation_grace_period: Schema.optionalWith(intBetween(60, 86_400), { exact: true, default: () => 300 })
})

/** No defaults: the daemon knows where its own MCP server is (see `toDaemonSettings`). */
const McpSection = Schema.Struct({
  command: Schema.optionalWith(Command, { exact: true }),
  args: Schema.optionalWith(Args, { exact: true })
})

const NotificationsSection = Schema.Struct({
  /** Every event is POSTed there as ntfy-compatible JSON. */
  webhook_url: Schema.optionalWith(WebhookUrl, { exact: true }),
  /** The ntfy topic named in the body (ntfy's JSON publishing posts to the server root with a topic). */
  ntfy_topic: Schema.optionalWith(NtfyTopic, { exact: true })
})

const sections = {
  daemon: DaemonSection,
  security: SecuritySection,
  mcp: McpSection,
  notifications: NotificationsSection
} as const

/** `config.toml` (and its `WAIAAS_<SECTION>_<KEY>` env overrides) after defaults: every key is present. */
export const DaemonConfig = Schema.Struct({
  daemon: Schema.optionalWith(DaemonSection, { exact: true, default: () => DaemonSection.make({}) }),
  security: Schema.optionalWith(SecuritySection, { exact: true, default: () => SecuritySection.make({}) }),
  mcp: Schema.optionalWith(McpSection, { exact: true, default: () => McpSection.make({}) }),
  notifications: Schema.optionalWith(NotificationsSection, { exact: true, default: () => NotificationsSection.make({}) })
}).annotations({ identifier: "DaemonConfig" })
export type DaemonConfig = typeof DaemonConfig.Type

const decodeConfig = Schema.decodeUnknownEither(DaemonConfig, { errors: "all", onExcessProperty: "error" })

// --- Errors -------------------------------------------------------------------------------------------------

/** The configuration cannot be used. `message` lists every problem, one per line, each naming its key. */
export class ConfigInvalid extends Data.TaggedError("ConfigInvalid")<{
  readonly message: string
  readonly issues: ReadonlyArray<string>
}> {}

const configInvalid = (origin: string, issues: ReadonlyArray<string>) =>
  new ConfigInvalid({
    message: [`Invalid configuration (${origin}):`, ...issues.map((issue) => `  - ${issue}`)].join("\n"),
    issues
  })

// --- Environment overlay ------------------------------------------------------------------------------------

/** WAIAAS_* variables that are not config keys (read elsewhere, or set for our MCP server by its snippet). */
const NOT_CONFIG_KEYS = new Set([
  "WAIAAS_DATA_DIR",
  "WAIAAS_MASTER_PASSWORD",
  "WAIAAS_MASTER_PASSWORD_FILE",
  "WAIAAS_BASE_URL",
  "WAIAAS_WALLET_ID",
  "WAIAAS_WALLET_NAME"
])

type ValueKind = "number" | "boolean" | "array" | "string"

/** What kind of TOML value a key takes, read from the encoded side of its schema. */
const kindOf = (ast: SchemaAST.AST): ValueKind => {
  switch (ast._tag) {
    case "NumberKeyword":
      return "number"
    case "BooleanKeyword":
      return "boolean"
    case "TupleType":
      return "array"
    case "Literal":
      return typeof ast.literal === "number" ? "number" : typeof ast.literal === "boolean" ? "boolean" : "string"
    case "Refinement":
    case "Transformation":
      return kindOf(ast.from)
    case "Union": {
      const member = ast.types.find((type) => type._tag !== "UndefinedKeyword")
      return member === undefined ? "string" : kindOf(member)
    }
    default:
      return "string"
  }
}

const keyKinds: Record<string, Record<string, ValueKind>> = Object.fromEntries(
  Object.entries(sections).map(([section, schema]) => [
    section,
    Object.fromEntries(
      SchemaAST.getPropertySignatures(SchemaAST.encodedAST(schema.ast)).map((p) => [String(p.name), kindOf(p.type)])
    )
  ])
)

/** Env values are strings; a value that does not parse as the key's kind stays a string for the schema to report. */
const coerce = (raw: string, kind: ValueKind): unknown => {
  const text = raw.trim()
  switch (kind) {
    case "number":
      return text !== "" && Number.isFinite(Number(text)) ? Number(text) : raw
    case "boolean":
      return text === "true" ? true : text === "false" ? false : raw
    case "array":
      try {
        return JSON.parse(text)
      } catch {
        return raw
      }
    case "string":
      return raw
  }
}

interface Overlay {
  readonly values: Record<string, Record<string, unknown>>
  /** "section.key" (or "section") → the variable it came from, to name it in errors. */
  readonly origins: Map<string, string>
}

/** `WAIAAS_<SECTION>_<KEY>`: the section is the first word, the key the rest (keys contain underscores). */
const envOverlay = (env: Record<string, string | undefined>): Overlay => {
  const values: Record<string, Record<string, unknown>> = {}
  const origins = new Map<string, string>()
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith("WAIAAS_") || NOT_CONFIG_KEYS.has(name) || raw === undefined || raw === "") continue
    const rest = name.slice("WAIAAS_".length).toLowerCase()
    const split = rest.indexOf("_")
    const section = split === -1 ? rest : rest.slice(0, split)
    const key = split === -1 ? "" : rest.slice(split + 1)
    const kind = keyKinds[section]?.[key] ?? "string"
    values[section] = { ...values[section], [key]: coerce(raw, kind) }
    origins.set(`${section}.${key}`, name)
    if (!(section in sections)) origins.set(section, name)
  }
  return { values, origins }
}

const isTable = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Env wins over the file, key by key; a section the file has as a non-table is left for the schema to report. */
const overlay = (file: Record<string, unknown>, env: Overlay["values"]): Record<string, unknown> => {
  const merged: Record<string, unknown> = { ...file }
  for (const [section, keys] of Object.entries(env)) {
    const fromFile = merged[section]
    merged[section] = isTable(fromFile) ? { ...fromFile, ...keys } : fromFile === undefined ? keys : fromFile
  }
  return merged
}

// --- Errors, readable -----------------------------------------------------------------------------------------

const describeIssue = (issue: ParseResult.ArrayFormatterIssue, origins: Overlay["origins"]): string => {
  const path = issue.path.map(String)
  const where = path.join(".")
  const origin = origins.get(where)
  const from = origin === undefined ? "" : ` (from ${origin})`
  const isSection = path.length === 1 && path[0]! in sections
  if (isSection && issue._tag === "Type") return `${where}: must be a table ([${where}])`
  if (issue._tag === "Unexpected") {
    if (path.length === 1) return `${where}${from}: unknown section; known sections: ${Object.keys(sections).join(", ")}`
    const known = keyKinds[path[0]!]
    return `${where}${from}: unknown key${known === undefined ? "" : `; known keys: ${Object.keys(known).join(", ")}`}`
  }
  return `${where}${from}: ${issue.message}`
}

// --- Loading ----------------------------------------------------------------------------------------------------

const errnoCode = (error: unknown): string =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : "UNKNOWN"

const readConfigFile = (file: string) =>
  Effect.tryPromise({
    try: () => readFile(file, "utf8").catch((error) => errnoCode(error) === "ENOENT" ? undefined : Promise.reject(error)),
    catch: (error) => configInvalid(file, [`cannot read the file (${errnoCode(error)})`])
  })

const parseConfigFile = (file: string, text: string) =>
  Effect.try({
    try: () => parseToml(text) as Record<string, unknown>,
    catch: (error) =>
      error instanceof TomlError
        ? configInvalid(file, [
          `TOML syntax error at line ${error.line}, column ${error.column}: ` +
          `${error.message.replace(/^Invalid TOML document: /, "").split("\n")[0]}\n${error.codeblock}`
        ])
        : configInvalid(file, [`cannot parse the file: ${String(error)}`])
  })

/**
 * Reads `<dataDir>/config.toml` (optional), overlays `WAIAAS_<SECTION>_<KEY>` variables from `env`, applies
 * defaults and checks every key. Unknown sections and keys are errors: a typo must not be silently ignored.
 */
export const loadDaemonConfig = (
  dataDir: string,
  env: Record<string, string | undefined>
): Effect.Effect<DaemonConfig, ConfigInvalid> =>
  Effect.gen(function*() {
    const file = join(resolve(dataDir), "config.toml")
    const text = yield* readConfigFile(file)
    const fromFile = text === undefined ? {} : yield* parseConfigFile(file, text)
    const fromEnv = envOverlay(env)
    return yield* decodeConfig(overlay(fromFile, fromEnv.values)).pipe(
      Either.mapLeft((error) =>
        configInvalid(
          text === undefined ? "WAIAAS_* environment variables" : `${file} and WAIAAS_* environment variables`,
          ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => describeIssue(issue, fromEnv.origins))
        )
      )
    )
  }).pipe(Effect.withSpan("DaemonConfig.load"))

/** How MCP clients launch an MCP server: a command and its arguments. */
export interface McpServerCommand {
  readonly command: string
  readonly args: ReadonlyArray<string>
}

/**
 * The settings the domain needs; `baseUrl` is how MCP servers reach the daemon (IPv6 in brackets).
 * `mcpDefault` is how to launch our own MCP server (the caller knows where it is installed); `mcp.command`
 * and `mcp.args` from the config each override their half of it.
 */
export const toDaemonSettings = (config: DaemonConfig, dataDir: string, mcpDefault: McpServerCommand): DaemonSettingsShape => {
  const { hostname, port } = config.daemon
  return {
    dataDir: resolve(dataDir),
    baseUrl: `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`,
    sessionTtl: config.security.session_ttl,
    maxSessionsPerWallet: config.security.max_sessions_per_wallet,
    sessionAbsoluteLifetime: config.security.session_absolute_lifetime,
    maxRenewals: config.security.max_renewals,
    rotationGracePeriod: config.security.rotation_grace_period,
    mcpCommand: config.mcp.command ?? mcpDefault.command,
    mcpArgs: config.mcp.args ?? mcpDefault.args
  }
}
