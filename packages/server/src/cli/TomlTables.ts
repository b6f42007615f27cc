import { Option } from "effect"

// A text-level edit of a TOML file: replace (or append) the tables under one key path, leaving every other
// line (comments, formatting, other tables) exactly as it was. It understands table headers only, so its
// result must be checked by parsing it (ConfigEdit does, and falls back to re-serialising).

export interface TableHeader {
  readonly path: ReadonlyArray<string>
  readonly arrayOfTables: boolean
}

const BARE_KEY = /^[A-Za-z0-9_-]+/

/** A basic string's escapes, as far as JSON shares them; anything else is kept verbatim. */
const unescapeBasic = (raw: string): string => {
  try {
    return JSON.parse(`"${raw}"`) as string
  } catch {
    return raw
  }
}

/** `[a.b."c d"]` or `[[a.b]]`, optionally followed by a comment; none for any other line. */
export const parseTableHeader = (line: string): Option.Option<TableHeader> => {
  let rest = line.trimStart()
  if (!rest.startsWith("[")) return Option.none()
  const arrayOfTables = rest.startsWith("[[")
  rest = rest.slice(arrayOfTables ? 2 : 1)
  const path: Array<string> = []
  for (;;) {
    rest = rest.trimStart()
    const bare = BARE_KEY.exec(rest)
    if (bare !== null) {
      path.push(bare[0])
      rest = rest.slice(bare[0].length)
    } else if (rest.startsWith("\"")) {
      const end = /^"((?:[^"\\\n]|\\.)*)"/.exec(rest)
      if (end === null) return Option.none()
      path.push(unescapeBasic(end[1]!))
      rest = rest.slice(end[0].length)
    } else if (rest.startsWith("'")) {
      const end = rest.indexOf("'", 1)
      if (end === -1) return Option.none()
      path.push(rest.slice(1, end))
      rest = rest.slice(end + 1)
    } else {
      return Option.none()
    }
    rest = rest.trimStart()
    if (rest.startsWith(".")) {
      rest = rest.slice(1)
      continue
    }
    const close = arrayOfTables ? "]]" : "]"
    if (!rest.startsWith(close)) return Option.none()
    rest = rest.slice(close.length).trim()
    return rest === "" || rest.startsWith("#") ? Option.some({ path, arrayOfTables }) : Option.none()
  }
}

const startsWithPath = (path: ReadonlyArray<string>, prefix: ReadonlyArray<string>) =>
  path.length >= prefix.length && prefix.every((key, i) => path[i] === key)

const isBlankOrComment = (line: string) => {
  const trimmed = line.trim()
  return trimmed === "" || trimmed.startsWith("#")
}

/**
 * `text` with every table whose header starts with `prefix` (the table and its sub-tables) removed, and
 * `tables` (TOML text) put where the first of them was, or appended at the end. Comment and blank lines
 * just before the next header stay: they describe that next table.
 */
export const replaceTables = (text: string, prefix: ReadonlyArray<string>, tables: string): string => {
  const eol = text.includes("\r\n") ? "\r\n" : "\n"
  const lines = text.split(/\r?\n/)
  if (lines.at(-1) === "") lines.pop()
  const headers = lines.flatMap((line, i) => Option.isSome(parseTableHeader(line)) ? [i] : [])

  const removed = new Set<number>()
  let insertAt = -1
  const ours = (line: number | undefined) =>
    line !== undefined && startsWithPath(Option.getOrThrow(parseTableHeader(lines[line]!)).path, prefix)
  headers.forEach((start, h) => {
    if (!ours(start)) return
    const next = headers[h + 1]
    let end = next ?? lines.length
    if (!ours(next)) while (end > start + 1 && isBlankOrComment(lines[end - 1]!)) end--
    for (let i = start; i < end; i++) removed.add(i)
    if (insertAt === -1) insertAt = start
  })

  const replacement = tables.replace(/\r?\n$/, "").split(/\r?\n/)
  const result: Array<string> = []
  lines.forEach((line, i) => {
    if (i === insertAt) {
      result.push(...replacement)
      const next = lines.slice(i).find((_, j) => !removed.has(i + j))
      if (next !== undefined && next.trim() !== "") result.push("")
    }
    if (!removed.has(i)) result.push(line)
  })
  if (insertAt === -1) {
    while (result.length > 0 && result.at(-1)!.trim() === "") result.pop()
    if (result.length > 0) result.push("")
    result.push(...replacement)
  }
  return result.join(eol) + eol
}
