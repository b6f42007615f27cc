import { describe, expect, it } from "@effect/vitest"
import { jsoncToJson, parseJson } from "./Jsonc.js"

describe("jsoncToJson", () => {
  it("blanks out line and block comments and trailing commas, keeping every position", () => {
    const source = [
      "// Zed settings",
      "{",
      "  /* theme */ \"theme\": \"One Dark\", // inline",
      "  \"context_servers\": {",
      "    \"other\": { \"command\": \"x\", \"args\": [\"a\", \"b\",], },",
      "  },",
      "}"
    ].join("\n")
    const plain = jsoncToJson(source)
    expect(plain.hadComments).toBe(true)
    expect(plain.text.length).toBe(source.length)
    expect(plain.text.split("\n").length).toBe(source.split("\n").length)
    expect(JSON.parse(plain.text)).toEqual({
      theme: "One Dark",
      context_servers: { other: { command: "x", args: ["a", "b"] } }
    })
  })

  it("leaves comment-like text and commas inside strings alone", () => {
    const source = `{"url": "http://x//y", "glob": "/* not a comment */", "s": "a,]", "q": "\\"//"}`
    const plain = jsoncToJson(source)
    expect(plain.hadComments).toBe(false)
    expect(JSON.parse(plain.text)).toEqual({ url: "http://x//y", glob: "/* not a comment */", s: "a,]", q: "\"//" })
  })

  it("plain JSON comes out unchanged", () => {
    const source = JSON.stringify({ a: [1, 2, { b: "c" }] }, null, 2)
    expect(jsoncToJson(source)).toEqual({ text: source, hadComments: false })
  })
})

describe("parseJson", () => {
  it("says where the file is broken as line and column", () => {
    const result = parseJson("{\n  \"a\": 1\n  \"b\": 2\n}")
    expect(result).toEqual({ _tag: "Invalid", reason: "line 3, column 3: Expected ',' or '}' after property value" })
  })

  it("parses valid JSON", () => {
    expect(parseJson("[1]")).toEqual({ _tag: "Parsed", value: [1] })
  })
})
