import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import { parseTableHeader, replaceTables } from "./TomlTables.js"

describe("parseTableHeader", () => {
  it("reads bare, quoted and literal keys, with spaces and a trailing comment", () => {
    expect(parseTableHeader("[mcp_servers.waiaas-main]")).toEqual(Option.some({ path: ["mcp_servers", "waiaas-main"], arrayOfTables: false }))
    expect(parseTableHeader("  [ mcp_servers . \"waiaas-main\" ] # ours")).toEqual(
      Option.some({ path: ["mcp_servers", "waiaas-main"], arrayOfTables: false })
    )
    expect(parseTableHeader("['a.b'.\"c\\u0064\"]")).toEqual(Option.some({ path: ["a.b", "cd"], arrayOfTables: false }))
    expect(parseTableHeader("[[profiles]]")).toEqual(Option.some({ path: ["profiles"], arrayOfTables: true }))
  })

  it("is none for anything that is not a header", () => {
    for (const line of ["model = \"o3\"", "  [\"a\", \"b\"],", "[a] = 1", "# [a]", "[a", ""]) {
      expect(parseTableHeader(line)).toEqual(Option.none())
    }
  })
})

const ours = "[mcp_servers.waiaas-main]\ncommand = \"npx\"\n\n[mcp_servers.waiaas-main.env]\nA = \"1\"\n"

describe("replaceTables", () => {
  it("appends the tables when there are none, after one blank line, leaving the rest byte for byte", () => {
    const text = "# my config\nmodel = \"o3\"\n\n[mcp_servers.github]\ncommand = \"docker\" # local\n\n\n"
    expect(replaceTables(text, ["mcp_servers", "waiaas-main"], ours)).toBe(
      "# my config\nmodel = \"o3\"\n\n[mcp_servers.github]\ncommand = \"docker\" # local\n\n" + ours
    )
  })

  it("replaces the table and its sub-tables in place, keeping the comment that introduces the next table", () => {
    const text = [
      "model = \"o3\"",
      "",
      "[mcp_servers.waiaas-main]",
      "command = \"old\"",
      "",
      "[mcp_servers.waiaas-main.env]",
      "OLD = \"1\"",
      "",
      "# GitHub, via docker",
      "[mcp_servers.github]",
      "command = \"docker\"",
      ""
    ].join("\n")
    expect(replaceTables(text, ["mcp_servers", "waiaas-main"], ours)).toBe(
      "model = \"o3\"\n\n" + ours + "\n# GitHub, via docker\n[mcp_servers.github]\ncommand = \"docker\"\n"
    )
  })

  it("keeps CRLF line endings", () => {
    expect(replaceTables("a = 1\r\n", ["t"], "[t]\nb = 2\n")).toBe("a = 1\r\n\r\n[t]\r\nb = 2\r\n")
  })
})
