// JSONC is what Zed, VS Code and Gemini CLI accept in their settings: JSON plus // and /* */ comments and
// trailing commas. JSON.parse accepts none of them, so they are blanked out first.

export interface PlainJson {
  /** The same text with comments and trailing commas replaced by spaces: positions still match the original. */
  readonly text: string
  readonly hadComments: boolean
}

const isWhitespace = (ch: string) => ch === " " || ch === "\t" || ch === "\n" || ch === "\r"

/** JSONC as JSON.parse-able text. Strings are left alone, escapes included; line breaks are kept. */
export const jsoncToJson = (source: string): PlainJson => {
  const out = source.split("")
  const blank = (from: number, to: number) => {
    for (let j = from; j < to; j++) if (out[j] !== "\n" && out[j] !== "\r") out[j] = " "
  }
  let hadComments = false
  let inString = false
  /** A comma that only whitespace and comments follow so far: trailing if a `}` or `]` comes next. */
  let pendingComma = -1
  let i = 0
  while (i < source.length) {
    const ch = source[i]!
    if (inString) {
      if (ch === "\\") i += 2
      else {
        if (ch === "\"") inString = false
        i++
      }
      continue
    }
    if (ch === "/" && source[i + 1] === "/") {
      hadComments = true
      const end = source.indexOf("\n", i)
      const stop = end === -1 ? source.length : end
      blank(i, stop)
      i = stop
      continue
    }
    if (ch === "/" && source[i + 1] === "*") {
      hadComments = true
      const end = source.indexOf("*/", i + 2)
      const stop = end === -1 ? source.length : end + 2
      blank(i, stop)
      i = stop
      continue
    }
    if (isWhitespace(ch)) {
      i++
      continue
    }
    if ((ch === "}" || ch === "]") && pendingComma !== -1) out[pendingComma] = " "
    pendingComma = ch === "," ? i : -1
    if (ch === "\"") inString = true
    i++
  }
  return { text: out.join(""), hadComments }
}

/** "line 3, column 7" for a 0-based offset into `text`. */
export const lineAndColumn = (text: string, offset: number): string => {
  const before = text.slice(0, offset)
  const line = before.split("\n").length
  const column = offset - (before.lastIndexOf("\n") + 1) + 1
  return `line ${line}, column ${column}`
}

export type JsonParseResult =
  | { readonly _tag: "Parsed"; readonly value: unknown }
  | { readonly _tag: "Invalid"; readonly reason: string }

/** JSON.parse, with the failure said as "line L, column C: what" (V8 reports only an offset). */
export const parseJson = (text: string): JsonParseResult => {
  try {
    return { _tag: "Parsed", value: JSON.parse(text) }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const position = /at position (\d+)/.exec(message)
    const what = message
      .replace(/\s*\(line \d+ column \d+\)/, "")
      .replace(/ (in JSON )?at position \d+/, "")
      // V8 quotes the text around the error here; for a config file that can be anything (a secret included).
      .replace(/, ".*" is not valid JSON$/s, "")
    return {
      _tag: "Invalid",
      reason: position === null ? what : `${lineAndColumn(text, Number(position[1]))}: ${what}`
    }
  }
}
