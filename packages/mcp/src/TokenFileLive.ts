import { Effect, Layer, Option, Redacted } from "effect"
import * as fs from "node:fs/promises"
import { ServerConfig } from "./ServerConfig.js"
import { permissionWarning, TokenFile, TokenFileRead } from "./TokenFile.js"

/** A token is under 1 KiB; anything far larger is not a token file, and is not read into memory. */
const MAX_TOKEN_FILE_BYTES = 64 * 1024

/** Reads the file through one descriptor, so that its stat and its content belong to the same file. */
export const readTokenFile = (path: string): Effect.Effect<TokenFileRead> =>
  Effect.promise(async (): Promise<TokenFileRead> => {
    let handle: fs.FileHandle
    try {
      handle = await fs.open(path, "r")
    } catch (error) {
      return codeOf(error) === "ENOENT" ? TokenFileRead.Missing() : TokenFileRead.Unreadable({ reason: reasonOf(error) })
    }
    try {
      const stat = await handle.stat()
      if (!stat.isFile()) return TokenFileRead.Unreadable({ reason: "it is not a regular file" })
      if (stat.size > MAX_TOKEN_FILE_BYTES) return TokenFileRead.Unreadable({ reason: `it is ${stat.size} bytes long` })
      const token = (await handle.readFile("utf8")).trim()
      return TokenFileRead.Present({
        token: Redacted.make(token),
        permissionWarning: Option.fromNullable(permissionWarning(path, stat, process.getuid?.()))
      })
    } catch (error) {
      return TokenFileRead.Unreadable({ reason: reasonOf(error) })
    } finally {
      await handle.close().catch(() => undefined)
    }
  })

const codeOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined

const reasonOf = (error: unknown): string => error instanceof Error ? error.message : String(error)

export const TokenFileLive = Layer.effect(
  TokenFile,
  Effect.map(ServerConfig, (config) => TokenFile.of({ path: config.tokenPath, read: readTokenFile(config.tokenPath) }))
)
