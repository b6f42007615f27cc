import { Context, Data, type Effect, type Option, type Redacted } from "effect"

/** One read of the wallet's token file. */
export type TokenFileRead = Data.TaggedEnum<{
  Missing: {}
  Unreadable: { readonly reason: string }
  /** The trimmed content, and why its permissions are unsafe, if they are. */
  Present: { readonly token: Redacted.Redacted<string>; readonly permissionWarning: Option.Option<string> }
}>
export const TokenFileRead = Data.taggedEnum<TokenFileRead>()

/** The token file `DATA_DIR/mcp-tokens/<walletId>`. The daemon is its only writer; we only read it. */
export class TokenFile extends Context.Tag("waiaas-mcp/TokenFile")<TokenFile, {
  readonly path: string
  readonly read: Effect.Effect<TokenFileRead>
}>() {}

/**
 * Why a token file's permissions are unsafe, like ssh's "UNPROTECTED PRIVATE KEY FILE": readable by group
 * or others, or owned by another user. `processUid` is undefined where there are no uids (Windows).
 */
export const permissionWarning = (
  path: string,
  file: { readonly mode: number; readonly uid: number },
  processUid: number | undefined
): string | undefined => {
  if (processUid === undefined) return undefined
  const problems: Array<string> = []
  if ((file.mode & 0o077) !== 0) {
    problems.push(`its mode is ${(file.mode & 0o777).toString(8).padStart(4, "0")}, so other users may read it`)
  }
  if (file.uid !== processUid) problems.push(`it is owned by uid ${file.uid}, not by this process's uid ${processUid}`)
  if (problems.length === 0) return undefined
  return `Warning: the token file ${path} is not private: ${problems.join(", and ")}. ` +
    `It holds a wallet session token; the daemon writes it 0600 (run \`chmod 600 ${path}\`, or re-provision).`
}
