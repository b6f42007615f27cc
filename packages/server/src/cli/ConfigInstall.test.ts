import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, TestClock } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { parse as parseToml } from "smol-toml"
import { editConfig } from "./ConfigEdit.js"
import { backupStamp, installIntoFile } from "./ConfigInstall.js"
import { tempDirsRemovedAfterAll } from "../testing/TempDirs.js"

const tempDir = tempDirsRemovedAfterAll("waiaas-install-")

const value = { command: "npx", args: ["@waiaas/mcp"], env: { WAIAAS_WALLET_ID: "w1" } }
const ours = [{ containerPath: ["mcpServers"], name: "waiaas-main", value }]
const jsonEdit = (entries = ours) => (previous: Option.Option<string>) => editConfig("json", previous, entries)

const install = (file: string, edit = jsonEdit()) => installIntoFile(file, edit).pipe(Effect.provide(NodeContext.layer))

const mode = (file: string) => fs.statSync(file).mode & 0o777
/** Anything but the config file and its backups: a leftover temp file would show up here. */
const strays = (dir: string) => fs.readdirSync(dir).filter((name) => !/^config\.json(\.bak-.*)?$/.test(name))

const OTHERS = { globalShortcut: "Alt+Space", mcpServers: { github: { command: "docker", args: ["run", "-i"] } } }

describe("installIntoFile", () => {
  it("names backups by UTC time to the second", () => {
    expect(backupStamp(Date.UTC(2025, 0, 2, 3, 4, 5, 678))).toBe("20250102T030405Z")
  })

  it.effect("creates a missing file 0600, with its parent directories, and makes no backup", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "nested", "Claude", "config.json")
      const outcome = yield* install(file)
      expect(outcome).toMatchObject({ file, created: true, written: true, backup: Option.none() })
      expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual({ mcpServers: { "waiaas-main": value } })
      expect(mode(file)).toBe(0o600)
      expect(strays(path.dirname(file))).toEqual([])
    }))

  it.effect("keeps other servers and keys, backs up the old bytes (0600), keeps the file's mode", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const file = path.join(dir, "config.json")
      const old = JSON.stringify(OTHERS, null, 2)
      fs.writeFileSync(file, old, { mode: 0o644 })
      fs.chmodSync(file, 0o644)
      yield* TestClock.setTime(Date.UTC(2025, 0, 2, 3, 4, 5))
      const outcome = yield* install(file)
      const backup = path.join(dir, "config.json.bak-20250102T030405Z")
      expect(outcome).toMatchObject({
        file,
        created: false,
        written: true,
        backup: Option.some(backup),
        entries: [{ name: "waiaas-main", change: "added" }],
        kept: ["github"]
      })
      expect(fs.readFileSync(backup, "utf8")).toBe(old)
      expect(mode(backup)).toBe(0o600)
      expect(mode(file)).toBe(0o644)
      expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual({ ...OTHERS, mcpServers: { ...OTHERS.mcpServers, "waiaas-main": value } })
      expect(strays(dir)).toEqual([])
    }))

  it.effect("a second install replaces the entry, and a backup in the same second gets its own name", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const file = path.join(dir, "config.json")
      fs.writeFileSync(file, JSON.stringify(OTHERS))
      yield* install(file)
      const afterFirst = fs.readFileSync(file, "utf8")
      const renamed = [{ ...ours[0]!, value: { ...value, env: { WAIAAS_WALLET_ID: "w2" } } }]
      const second = yield* install(file, jsonEdit(renamed))
      expect(second.entries).toEqual([{ name: "waiaas-main", change: "replaced" }])
      expect(second.backup).toEqual(Option.some(path.join(dir, "config.json.bak-19700101T000000Z-2")))
      expect(fs.readFileSync(path.join(dir, "config.json.bak-19700101T000000Z-2"), "utf8")).toBe(afterFirst)
      const servers = JSON.parse(fs.readFileSync(file, "utf8")).mcpServers
      expect(Object.keys(servers)).toEqual(["github", "waiaas-main"])
      expect(servers["waiaas-main"].env.WAIAAS_WALLET_ID).toBe("w2")
    }))

  it.effect("writes nothing, and makes no backup, when the entry is already up to date", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const file = path.join(dir, "config.json")
      fs.writeFileSync(file, JSON.stringify({ mcpServers: { "waiaas-main": value } }))
      const before = fs.statSync(file).mtimeMs
      const outcome = yield* install(file)
      expect(outcome).toMatchObject({ written: false, backup: Option.none(), entries: [{ change: "unchanged" }] })
      expect(fs.readdirSync(dir)).toEqual(["config.json"])
      expect(fs.statSync(file).mtimeMs).toBe(before)
    }))

  it.effect("leaves a file that is not valid JSON untouched, and says why", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const file = path.join(dir, "config.json")
      const broken = "{\n  \"mcpServers\": {\n    \"github\": {}\n  \n"
      fs.writeFileSync(file, broken)
      const error = yield* Effect.flip(install(file))
      expect(error._tag).toBe("ConfigInstallFailed")
      expect(error.message).toBe(
        `${file} is not valid JSON (line 5, column 1: Expected ',' or '}' after property value); ` +
          "nothing was changed. Fix the file (or move it aside) and run this again."
      )
      expect(fs.readFileSync(file, "utf8")).toBe(broken)
      expect(fs.readdirSync(dir)).toEqual(["config.json"])
    }))

  it.effect("writes through a symlink to its target, leaving the link in place", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const target = path.join(dir, "dotfiles", "config.json")
      fs.mkdirSync(path.dirname(target))
      fs.writeFileSync(target, JSON.stringify(OTHERS))
      const link = path.join(dir, "config.json")
      fs.symlinkSync(target, link)
      const outcome = yield* install(link)
      expect(outcome.file).toBe(target)
      expect(fs.lstatSync(link).isSymbolicLink()).toBe(true)
      expect(JSON.parse(fs.readFileSync(link, "utf8")).mcpServers).toHaveProperty("waiaas-main")
      expect(fs.readdirSync(path.dirname(target)).filter((n) => n.includes(".bak-"))).toHaveLength(1)
    }))

  it.effect("merges a Codex TOML file in place: other tables and comments survive", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const file = path.join(dir, "config.toml")
      const old = "# Codex\nmodel = \"o3\"\n\n[mcp_servers.github]\ncommand = \"docker\"\n"
      fs.writeFileSync(file, old)
      const entries = [{ containerPath: ["mcp_servers"], name: "waiaas-main", value }]
      const outcome = yield* install(file, (previous) => editConfig("toml", previous, entries))
      const text = fs.readFileSync(file, "utf8")
      expect(text.startsWith(old)).toBe(true)
      expect(parseToml(text).mcp_servers).toEqual({ github: { command: "docker" }, "waiaas-main": value })
      expect(fs.readFileSync(Option.getOrThrow(outcome.backup), "utf8")).toBe(old)
    }))

  it.effect("refuses a directory in the file's place", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "config.json")
      fs.mkdirSync(file)
      const error = yield* Effect.flip(install(file))
      expect(error.message).toBe(`${file} is not a regular file; nothing was changed.`)
    }))
})
