import { mkdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck, Redacted } from "effect"
import { makeTempDir } from "../testing/tempDir.js"
import { type DaemonConfig, loadDaemonConfig, toDaemonSettings } from "./DaemonConfig.js"

const defaults: DaemonConfig = {
  daemon: { port: 3100, hostname: "127.0.0.1", log_level: "info", admin_timeout: 900 },
  security: {
    session_ttl: 86400,
    max_sessions_per_wallet: 5,
    session_absolute_lifetime: 2592000,
    max_renewals: 30,
    rotation_grace_period: 300
  },
  mcp: {},
  notifications: {}
}

/** A fresh data dir, with `config.toml` holding `toml` unless it is undefined. */
const dataDirWith = (toml?: string) =>
  Effect.gen(function*() {
    const dir = yield* makeTempDir()
    if (toml !== undefined) yield* Effect.promise(() => writeFile(join(dir, "config.toml"), toml))
    return dir
  })

const load = (toml: string | undefined, env: Record<string, string | undefined> = {}) =>
  Effect.flatMap(dataDirWith(toml), (dir) => loadDaemonConfig(dir, env))

const failure = (toml: string | undefined, env: Record<string, string | undefined> = {}) =>
  Effect.flip(load(toml, env))

describe("loadDaemonConfig", () => {
  it.scoped("without a file or variables, every key has its default", () =>
    Effect.gen(function*() {
      expect(yield* load(undefined)).toStrictEqual(defaults)
      expect(yield* load("")).toStrictEqual(defaults)
    }))

  it.scoped("values from config.toml are used; keys it leaves out keep their defaults", () =>
    Effect.gen(function*() {
      const config = yield* load(`
        [daemon]
        port = 4100
        hostname = "::1"
        log_level = "debug"

        [security]
        session_ttl = 3600
        max_renewals = 0

        [mcp]
        command = "node"
        args = ["/opt/waiaas/mcp.js", "--stdio"]
      `)
      expect(config).toStrictEqual({
        daemon: { port: 4100, hostname: "::1", log_level: "debug", admin_timeout: 900 },
        security: { ...defaults.security, session_ttl: 3600, max_renewals: 0 },
        mcp: { command: "node", args: ["/opt/waiaas/mcp.js", "--stdio"] },
        notifications: {}
      })
    }))

  it.scoped("WAIAAS_<SECTION>_<KEY> overrides the file key by key, coerced to the key's type", () =>
    Effect.gen(function*() {
      const config = yield* load("[daemon]\nport = 4100\nlog_level = \"debug\"\n[security]\nsession_ttl = 3600\n", {
        WAIAAS_DAEMON_PORT: "5100",
        WAIAAS_DAEMON_HOSTNAME: "localhost",
        WAIAAS_SECURITY_MAX_SESSIONS_PER_WALLET: "12",
        WAIAAS_SECURITY_SESSION_ABSOLUTE_LIFETIME: "7200",
        WAIAAS_MCP_COMMAND: "bunx"
      })
      expect(config.daemon).toStrictEqual({ port: 5100, hostname: "localhost", log_level: "debug", admin_timeout: 900 })
      expect(config.security).toStrictEqual({
        ...defaults.security,
        session_ttl: 3600,
        max_sessions_per_wallet: 12,
        session_absolute_lifetime: 7200
      })
      expect(config.mcp.command).toBe("bunx")
    }))

  it.scoped("WAIAAS_MCP_ARGS is a JSON array; anything else is an error naming the variable", () =>
    Effect.gen(function*() {
      const config = yield* load(undefined, { WAIAAS_MCP_ARGS: "[\"-y\", \"@waiaas/mcp@1.2.3\"]" })
      expect(config.mcp.args).toStrictEqual(["-y", "@waiaas/mcp@1.2.3"])
      for (const value of ["@waiaas/mcp", "[1, 2]", "{\"a\": 1}"]) {
        const error = yield* failure(undefined, { WAIAAS_MCP_ARGS: value })
        expect(error.message).toContain("mcp.args (from WAIAAS_MCP_ARGS): must be an array of strings")
      }
    }))

  it.scoped("an out-of-range value is an error naming the key and its bounds", () =>
    Effect.gen(function*() {
      const fromFile = yield* failure("[security]\nsession_ttl = 10\n")
      expect(fromFile._tag).toBe("ConfigInvalid")
      expect(fromFile.message).toContain("security.session_ttl: must be a whole number between 300 and 604800, got 10")
      const fromEnv = yield* failure(undefined, { WAIAAS_SECURITY_SESSION_TTL: "604801" })
      expect(fromEnv.issues).toStrictEqual([
        "security.session_ttl (from WAIAAS_SECURITY_SESSION_TTL): must be a whole number between 300 and 604800, got 604801"
      ])
      expect((yield* failure("[daemon]\nport = 80\n")).message).toContain("daemon.port: must be a whole number between 1024 and 65535")
      expect((yield* failure("[security]\nmax_sessions_per_wallet = 51\n")).message).toContain("security.max_sessions_per_wallet:")
      expect((yield* failure("[security]\nsession_absolute_lifetime = 60\n")).message).toContain("security.session_absolute_lifetime:")
      expect((yield* failure("[security]\nmax_renewals = -1\n")).message).toContain("security.max_renewals:")
      expect((yield* failure("[security]\nrotation_grace_period = 59\n")).message).toContain(
        "security.rotation_grace_period: must be a whole number between 60 and 86400, got 59"
      )
      expect((yield* failure(undefined, { WAIAAS_DAEMON_ADMIN_TIMEOUT: "4" })).message).toContain(
        "daemon.admin_timeout (from WAIAAS_DAEMON_ADMIN_TIMEOUT): must be a whole number between 5 and 86400, got 4"
      )
      expect((yield* failure("[daemon]\nadmin_timeout = 86401\n")).message).toContain("daemon.admin_timeout:")
    }))

  it.scoped("the bounds themselves are accepted", () =>
    Effect.gen(function*() {
      const low = yield* load("[daemon]\nport = 1024\nadmin_timeout = 5\n[security]\nsession_ttl = 300\n" +
        "max_sessions_per_wallet = 1\nsession_absolute_lifetime = 3600\nmax_renewals = 0\nrotation_grace_period = 60\n")
      expect([low.daemon.port, low.security.session_ttl, low.security.max_sessions_per_wallet]).toEqual([1024, 300, 1])
      expect([low.daemon.admin_timeout, low.security.rotation_grace_period]).toEqual([5, 60])
      const high = yield* load(undefined, {
        WAIAAS_DAEMON_PORT: "65535",
        WAIAAS_SECURITY_SESSION_TTL: "604800",
        WAIAAS_SECURITY_MAX_SESSIONS_PER_WALLET: "50",
        WAIAAS_SECURITY_SESSION_ABSOLUTE_LIFETIME: "31536000",
        WAIAAS_SECURITY_MAX_RENEWALS: "1000",
        WAIAAS_SECURITY_ROTATION_GRACE_PERIOD: "86400",
        WAIAAS_DAEMON_ADMIN_TIMEOUT: "86400"
      })
      expect(high.security).toStrictEqual({
        session_ttl: 604800,
        max_sessions_per_wallet: 50,
        session_absolute_lifetime: 31536000,
        max_renewals: 1000,
        rotation_grace_period: 86400
      })
      expect(high.daemon.admin_timeout).toBe(86400)
    }))

  it.effect.prop("an env TTL decodes exactly when it is a whole number in 300..604800", [
    FastCheck.oneof(FastCheck.integer({ min: -10, max: 700_000 }), FastCheck.double({ noNaN: true }))
  ], ([ttl]) =>
    Effect.gen(function*() {
      const result = yield* Effect.either(loadDaemonConfig("/nonexistent-waiaas-data-dir", {
        WAIAAS_SECURITY_SESSION_TTL: String(ttl)
      }))
      const valid = Number.isInteger(ttl) && ttl >= 300 && ttl <= 604_800
      expect(result._tag).toBe(valid ? "Right" : "Left")
      if (result._tag === "Right") expect(result.right.security.session_ttl).toBe(ttl)
    }))

  it.scoped("mcp.command and mcp.args have no default: left out, they are absent", () =>
    Effect.gen(function*() {
      expect((yield* load(undefined)).mcp).toStrictEqual({})
      expect((yield* load("[mcp]\ncommand = \"node\"\n")).mcp).toStrictEqual({ command: "node" })
      expect((yield* load(undefined, { WAIAAS_MCP_ARGS: "[]" })).mcp).toStrictEqual({ args: [] })
    }))

  it.scoped("notifications.webhook_url is an absolute http(s) URL, kept redacted", () =>
    Effect.gen(function*() {
      const url = "https://hooks.example.com/services/T000/B000/s3cretpath?token=abc"
      const fromFile = yield* load(`[notifications]\nwebhook_url = "${url}"\nntfy_topic = "waiaas-alerts_1"\n`)
      expect(Redacted.isRedacted(fromFile.notifications.webhook_url)).toBe(true)
      expect(Redacted.value(fromFile.notifications.webhook_url!)).toBe(url)
      expect(fromFile.notifications.ntfy_topic).toBe("waiaas-alerts_1")
      expect(String(fromFile.notifications.webhook_url)).not.toContain("s3cret")
      expect(JSON.stringify(fromFile)).not.toContain("s3cret")
      const fromEnv = yield* load(undefined, { WAIAAS_NOTIFICATIONS_WEBHOOK_URL: "http://127.0.0.1:8080/waiaas" })
      expect(Redacted.value(fromEnv.notifications.webhook_url!)).toBe("http://127.0.0.1:8080/waiaas")
      expect(fromEnv.notifications.ntfy_topic).toBeUndefined()
    }))

  it.scoped("a webhook_url that is not an absolute http(s) URL is an error that does not quote it", () =>
    Effect.gen(function*() {
      for (
        const value of ["ftp://example.com/s3cret", "example.com/s3cret", "/s3cret", "https://user:s3cret@example.com/", ""]
      ) {
        const error = yield* failure(undefined, { WAIAAS_NOTIFICATIONS_WEBHOOK_URL: value === "" ? " " : value })
        expect(error.issues).toStrictEqual([
          "notifications.webhook_url (from WAIAAS_NOTIFICATIONS_WEBHOOK_URL): must be an absolute http:// or " +
          "https:// URL without user:password@ (the value is not shown)"
        ])
        expect(error.message).not.toContain("s3cret")
      }
      expect((yield* failure("[notifications]\nwebhook_url = 5\n")).message).toContain("notifications.webhook_url:")
    }))

  it.scoped("notifications.ntfy_topic is 1 to 64 of [A-Za-z0-9_-]", () =>
    Effect.gen(function*() {
      expect((yield* load(undefined, { WAIAAS_NOTIFICATIONS_NTFY_TOPIC: "a".repeat(64) })).notifications.ntfy_topic)
        .toBe("a".repeat(64))
      for (const topic of ["a".repeat(65), "has space", "slash/topic", "ünï"]) {
        const error = yield* failure(`[notifications]\nntfy_topic = "${topic}"\n`)
        expect(error.message).toContain("notifications.ntfy_topic: must be 1 to 64 characters from A-Z, a-z, 0-9, _ and -")
      }
      expect((yield* failure("[notifications]\nntfy_topic = \"\"\n")).message).toContain("notifications.ntfy_topic:")
    }))

  it.scoped("a value of the wrong type is an error naming the key", () =>
    Effect.gen(function*() {
      expect((yield* failure("[daemon]\nport = \"3100\"\n")).message).toContain("daemon.port: must be a whole number")
      expect((yield* failure("[daemon]\nport = 3100.5\n")).message).toContain("daemon.port: must be a whole number")
      expect((yield* failure(undefined, { WAIAAS_DAEMON_PORT: "abc" })).message).toContain(
        "daemon.port (from WAIAAS_DAEMON_PORT): must be a whole number between 1024 and 65535, got \"abc\""
      )
      expect((yield* failure("[daemon]\nlog_level = \"verbose\"\n")).message).toContain("daemon.log_level: must be one of")
      expect((yield* failure("[mcp]\nargs = \"@waiaas/mcp\"\n")).message).toContain("mcp.args: must be an array of strings")
      expect((yield* failure("[mcp]\ncommand = \"\"\n")).message).toContain("mcp.command:")
      expect((yield* failure("daemon = 5\n")).message).toContain("daemon: must be a table ([daemon])")
    }))

  it.scoped("unknown keys and sections are errors, from the file and from the environment", () =>
    Effect.gen(function*() {
      const typo = yield* failure("[daemon]\nprot = 3100\n")
      expect(typo.message).toContain("daemon.prot: unknown key; known keys: port, hostname, log_level, admin_timeout")
      expect((yield* failure("[notifications]\nwebhook = \"https://x\"\n")).message).toContain(
        "notifications.webhook: unknown key; known keys: webhook_url, ntfy_topic"
      )
      expect((yield* failure("[keystore]\npath = \"x\"\n")).message).toContain("keystore: unknown section")
      expect((yield* failure("[daemon.extra]\nx = 1\n")).message).toContain("daemon.extra: unknown key")
      expect((yield* failure("port = 3100\n")).message).toContain("port: unknown section")
      expect((yield* failure(undefined, { WAIAAS_DAEMON_PROT: "3100" })).message).toContain(
        "daemon.prot (from WAIAAS_DAEMON_PROT): unknown key"
      )
      expect((yield* failure(undefined, { WAIAAS_DEAMON_PORT: "3100" })).message).toContain(
        "deamon (from WAIAAS_DEAMON_PORT): unknown section"
      )
    }))

  it.scoped("every problem is reported at once, one per line", () =>
    Effect.gen(function*() {
      const error = yield* failure("[daemon]\nport = 1\nhostname = \"0.0.0.0\"\n", { WAIAAS_SECURITY_MAX_RENEWALS: "x" })
      expect(error.issues).toHaveLength(3)
      expect(error.message.split("\n")).toHaveLength(4)
      expect(error.message.split("\n")[0]).toContain("config.toml")
    }))

  it.scoped("a hostname that is not loopback is refused", () =>
    Effect.gen(function*() {
      for (const hostname of ["0.0.0.0", "192.168.1.20", "::", "example.com"]) {
        const error = yield* failure(`[daemon]\nhostname = "${hostname}"\n`)
        expect(error.message).toContain("daemon.hostname: must be a loopback address")
      }
      expect((yield* failure(undefined, { WAIAAS_DAEMON_HOSTNAME: "0.0.0.0" })).message).toContain(
        "daemon.hostname (from WAIAAS_DAEMON_HOSTNAME): must be a loopback address"
      )
    }))

  it.scoped("WAIAAS_* variables that are not config keys are ignored, and never echoed", () =>
    Effect.gen(function*() {
      const notKeys = {
        WAIAAS_DATA_DIR: "/somewhere",
        WAIAAS_MASTER_PASSWORD: "s3cret-master",
        WAIAAS_MASTER_PASSWORD_FILE: "/run/secrets/pw",
        WAIAAS_BASE_URL: "http://127.0.0.1:9999",
        PATH: "/usr/bin",
        WAIAAS_DAEMON_PORT: undefined
      }
      expect(yield* load(undefined, notKeys)).toStrictEqual(defaults)
      const error = yield* failure(undefined, { ...notKeys, WAIAAS_DAEMON_PORT: "1" })
      expect(error.issues).toHaveLength(1)
      expect(error.message).not.toContain("s3cret-master")
    }))

  it.scoped("a TOML syntax error names the file and the line", () =>
    Effect.gen(function*() {
      const dir = yield* dataDirWith("[daemon]\nport = 3100\nhostname = \n")
      const error = yield* Effect.flip(loadDaemonConfig(dir, {}))
      expect(error._tag).toBe("ConfigInvalid")
      expect(error.message).toContain(join(dir, "config.toml"))
      expect(error.message).toContain("line 3")
    }))

  it.scoped("a config.toml that cannot be read is an error naming the file", () =>
    Effect.gen(function*() {
      const dir = yield* dataDirWith()
      yield* Effect.promise(() => mkdir(join(dir, "config.toml")))
      const error = yield* Effect.flip(loadDaemonConfig(dir, {}))
      expect(error.message).toContain(join(dir, "config.toml"))
      expect(error.message).toContain("EISDIR")
    }))
})

describe("toDaemonSettings", () => {
  const ownMcp = { command: "/usr/bin/node", args: ["/opt/waiaas/packages/mcp/dist/main.js"] }
  const withHost = (hostname: DaemonConfig["daemon"]["hostname"], port = 3100): DaemonConfig => ({
    ...defaults,
    daemon: { ...defaults.daemon, hostname, port }
  })

  it("builds the base URL from hostname and port, with IPv6 in brackets", () => {
    expect(toDaemonSettings(withHost("127.0.0.1"), "/data", ownMcp).baseUrl).toBe("http://127.0.0.1:3100")
    expect(toDaemonSettings(withHost("localhost", 4100), "/data", ownMcp).baseUrl).toBe("http://localhost:4100")
    expect(toDaemonSettings(withHost("::1"), "/data", ownMcp).baseUrl).toBe("http://[::1]:3100")
  })

  it("maps every setting the domain needs, with an absolute data dir and the caller's MCP launch command", () => {
    const settings = toDaemonSettings(
      { ...defaults, security: { ...defaults.security, rotation_grace_period: 600 } },
      "relative/data",
      ownMcp
    )
    expect(settings).toStrictEqual({
      dataDir: join(process.cwd(), "relative/data"),
      baseUrl: "http://127.0.0.1:3100",
      sessionTtl: 86400,
      maxSessionsPerWallet: 5,
      sessionAbsoluteLifetime: 2592000,
      maxRenewals: 30,
      rotationGracePeriod: 600,
      mcpCommand: "/usr/bin/node",
      mcpArgs: ["/opt/waiaas/packages/mcp/dist/main.js"]
    })
  })

  it("mcp.command and mcp.args from the config each override their half of the default", () => {
    const launch = (mcp: DaemonConfig["mcp"]) => {
      const settings = toDaemonSettings({ ...defaults, mcp }, "/data", ownMcp)
      return { command: settings.mcpCommand, args: settings.mcpArgs }
    }
    expect(launch({ command: "npx", args: ["-y", "@waiaas/mcp"] })).toStrictEqual({ command: "npx", args: ["-y", "@waiaas/mcp"] })
    expect(launch({ command: "bun" })).toStrictEqual({ command: "bun", args: ownMcp.args })
    expect(launch({ args: [] })).toStrictEqual({ command: ownMcp.command, args: [] })
  })
})
