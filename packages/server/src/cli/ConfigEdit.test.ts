import { describe, expect, it } from "@effect/vitest"
import { Either, Option } from "effect"
import { parse as parseToml } from "smol-toml"
import { editConfig, replaceWholeFile } from "./ConfigEdit.js"

const value = { command: "npx", args: ["@waiaas/mcp"], env: { WAIAAS_WALLET_ID: "w1", WAIAAS_WALLET_NAME: "main" } }
const entry = (containerPath: ReadonlyArray<string>, name = "waiaas-main") => ({ containerPath, name, value })

const edit = (...args: Parameters<typeof editConfig>) => Either.getOrThrow(editConfig(...args))
const refusal = (...args: Parameters<typeof editConfig>) => Either.flip(editConfig(...args)).pipe(Either.getOrThrow).reason

describe("editConfig (json)", () => {
  it("merges into a file with other servers and keys, keeping its indentation", () => {
    const old = JSON.stringify({ mcpServers: { github: { command: "docker" } }, theme: "dark" }, null, 4)
    const edited = edit("json", Option.some(old), [entry(["mcpServers"])])
    expect(JSON.parse(edited.text)).toEqual({ mcpServers: { github: { command: "docker" }, "waiaas-main": value }, theme: "dark" })
    expect(edited.text).toMatch(/^\{\n {4}"mcpServers"/)
    expect(edited.text.endsWith("}\n")).toBe(true)
    expect(edited).toMatchObject({ entries: [{ name: "waiaas-main", change: "added" }], kept: ["github"], commentsDropped: false })
  })

  it("starts from an empty object for a new, empty or byte-order-marked file", () => {
    for (const previous of [Option.none(), Option.some(""), Option.some(" \n"), Option.some("\uFEFF{}")]) {
      expect(JSON.parse(edit("json", previous, [entry(["servers"])]).text)).toEqual({ servers: { "waiaas-main": value } })
    }
  })

  it("refuses a file that is not valid JSON, saying where", () => {
    expect(refusal("json", Option.some("{\n  \"mcpServers\": {},\n}"), [entry(["mcpServers"])])).toBe(
      "is not valid JSON (line 3, column 1: Expected double-quoted property name)"
    )
    expect(refusal("json", Option.some("// comment\n{}"), [entry(["mcpServers"])])).toMatch(/^is not valid JSON/)
  })

  it("refuses a top level or a container that is not an object", () => {
    expect(refusal("json", Option.some("[]"), [entry(["mcpServers"])])).toBe("does not hold a JSON object at the top level")
    expect(refusal("json", Option.some("{\"mcpServers\": [1]}"), [entry(["mcpServers"])])).toBe(
      "its \"mcpServers\" is not an object"
    )
  })
})

describe("editConfig (jsonc, e.g. Zed)", () => {
  it("accepts comments and trailing commas, and says that they are dropped", () => {
    const old = "// Zed settings\n{\n  \"theme\": \"One\", /* ui */\n  \"context_servers\": {\"other\": {\"source\": \"custom\",},},\n}\n"
    const edited = edit("jsonc", Option.some(old), [entry(["context_servers"])])
    expect(JSON.parse(edited.text)).toEqual({ theme: "One", context_servers: { other: { source: "custom" }, "waiaas-main": value } })
    expect(edited.commentsDropped).toBe(true)
    expect(edited.kept).toEqual(["other"])
  })

  it("still refuses what is broken beyond comments", () => {
    expect(refusal("jsonc", Option.some("{ \"a\": }"), [entry(["context_servers"])])).toBe(
      "is not valid JSON (even allowing comments) (Unexpected token '}')"
    )
  })
})

describe("editConfig (toml, Codex)", () => {
  const codex = [
    "# Codex configuration",
    "model = \"o3\" # the default",
    "",
    "[mcp_servers.github]",
    "command = \"docker\"",
    "args = [\"run\", \"-i\"]",
    "env = { GITHUB_TOKEN_FILE = \"/x\" }",
    "",
    "[profiles.fast]",
    "model = \"o4-mini\"",
    ""
  ].join("\n")

  it("appends our table, leaving every other line (comments included) as it was", () => {
    const edited = edit("toml", Option.some(codex), [entry(["mcp_servers"])])
    expect(edited.text.startsWith(codex)).toBe(true)
    expect(edited.commentsDropped).toBe(false)
    const parsed = parseToml(edited.text)
    expect(parsed.mcp_servers).toEqual({
      github: { command: "docker", args: ["run", "-i"], env: { GITHUB_TOKEN_FILE: "/x" } },
      "waiaas-main": value
    })
    expect(parsed.profiles).toEqual({ fast: { model: "o4-mini" } })
    expect(edited).toMatchObject({ entries: [{ name: "waiaas-main", change: "added" }], kept: ["github"] })
  })

  it("replaces our table in place on a second install, never adding a second one", () => {
    const once = edit("toml", Option.some(codex), [entry(["mcp_servers"])]).text
    const renamed = { ...value, env: { ...value.env, WAIAAS_WALLET_NAME: "renamed" } }
    const twice = edit("toml", Option.some(once), [{ containerPath: ["mcp_servers"], name: "waiaas-main", value: renamed }])
    expect(twice.entries).toEqual([{ name: "waiaas-main", change: "replaced" }])
    expect(twice.text.match(/\[mcp_servers\.waiaas-main\]/g)).toHaveLength(1)
    expect((parseToml(twice.text).mcp_servers as any)["waiaas-main"].env.WAIAAS_WALLET_NAME).toBe("renamed")
    expect(twice.text.startsWith(codex)).toBe(true)
  })

  it("re-serialises (and says comments are gone) when our entry is written in a form it cannot swap", () => {
    const inline = "# mine\n[mcp_servers]\nwaiaas-main = { command = \"old\" }\nother = { command = \"x\" }\n"
    const edited = edit("toml", Option.some(inline), [entry(["mcp_servers"])])
    expect(edited.commentsDropped).toBe(true)
    expect(parseToml(edited.text).mcp_servers).toEqual({ "waiaas-main": value, other: { command: "x" } })
  })

  it("refuses invalid TOML, saying where", () => {
    expect(refusal("toml", Option.some("model = \"o3\"\nargs = [\n"), [entry(["mcp_servers"])])).toMatch(
      /^is not valid TOML \(line 3, column 1: /
    )
    expect(refusal("toml", Option.some("mcp_servers = 3\n"), [entry(["mcp_servers"])])).toBe("its [mcp_servers] is not a table")
  })

  it("keeps big integers and dates of other tables exactly", () => {
    const old = "[other]\nbig = 9007199254740993\nwhen = 1979-05-27T07:32:00Z\n"
    const edited = edit("toml", Option.some(old), [entry(["mcp_servers"])])
    expect(edited.text.startsWith(old)).toBe(true)
  })
})

describe("replaceWholeFile (Continue)", () => {
  it("adds, replaces or leaves the file", () => {
    expect(replaceWholeFile(Option.none(), "waiaas-main", "x").entries).toEqual([{ name: "waiaas-main", change: "added" }])
    expect(replaceWholeFile(Option.some("y"), "waiaas-main", "x").entries).toEqual([{ name: "waiaas-main", change: "replaced" }])
    expect(replaceWholeFile(Option.some("x"), "waiaas-main", "x").entries).toEqual([{ name: "waiaas-main", change: "unchanged" }])
  })
})
