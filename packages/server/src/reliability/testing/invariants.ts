import { SqlClient } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { dataDirLayout } from "@waiaas/adapters"
import { isUuidV7 } from "@waiaas/domain"
import { Effect } from "effect"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"

// What must hold in a data dir after anything the reliability suite does (crash, race, fuzz, fault), read
// straight off the disk: the SQLite file (read-only, its own connection) and the token directory.

export interface SessionRow {
  readonly id: string
  readonly walletId: string
  readonly tokenHash: string
  readonly source: "api" | "mcp"
  readonly expiresAt: number
  readonly revokedAt: number | null
  readonly renewalCount: number
}

export interface TokenFileOnDisk {
  readonly walletId: string
  readonly content: string
  readonly mode: number
}

export interface DiskState {
  /** `PRAGMA integrity_check`: ["ok"] when the database is sound. */
  readonly integrity: ReadonlyArray<string>
  readonly walletIds: ReadonlySet<string>
  readonly sessions: ReadonlyArray<SessionRow>
  /** Token files by wallet id. */
  readonly files: ReadonlyMap<string, TokenFileOnDisk>
  /** `.<walletId>.<hex>.tmp` files: a write a kill interrupted (swept at the next start). */
  readonly tempFiles: ReadonlyArray<string>
  /** Anything else in the token directory: never expected. */
  readonly strangers: ReadonlyArray<string>
  readonly dirMode: number
  /** Epoch seconds at which "active" was judged. */
  readonly now: number
}

const TEMP_FILE = /^\.[0-9a-f-]{36}\.[0-9a-f]{16}\.tmp$/
/** A complete token file: the prefix, three base64url JWT parts, one newline, nothing else. */
const COMPLETE_TOKEN_FILE = /^wai_sess_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/

export const isActive = (session: SessionRow, now: number) => session.revokedAt === null && session.expiresAt > now

export const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex")

/** The claims of a `wai_sess_` token, read without verifying it (the daemon verifies; we only look). */
export const claimsOf = (token: string): { sub?: string; wlt?: string; iat?: number; exp?: number } => {
  try {
    return JSON.parse(Buffer.from(token.trim().split(".")[1] ?? "", "base64url").toString("utf8"))
  } catch {
    return {}
  }
}

const readDatabase = (file: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const integrity = yield* sql<{ readonly integrity_check: string }>`PRAGMA integrity_check`
    const wallets = yield* sql<{ readonly id: string }>`SELECT id FROM wallets`
    const sessions = yield* sql<{
      readonly id: string
      readonly wallet_id: string
      readonly token_hash: string
      readonly source: "api" | "mcp"
      readonly expires_at: number
      readonly revoked_at: number | null
      readonly renewal_count: number
    }>`SELECT id, wallet_id, token_hash, source, expires_at, revoked_at, renewal_count FROM sessions`
    return {
      integrity: integrity.map((row) => row.integrity_check),
      walletIds: new Set(wallets.map((row) => row.id)),
      sessions: sessions.map((row): SessionRow => ({
        id: row.id,
        walletId: row.wallet_id,
        tokenHash: row.token_hash,
        source: row.source,
        expiresAt: row.expires_at,
        revokedAt: row.revoked_at,
        renewalCount: row.renewal_count
      }))
    }
  }).pipe(
    // Read-only, and no journal_mode pragma: looking must not change what we look at.
    Effect.provide(SqliteClient.layer({ filename: file, readonly: true, disableWAL: true })),
    Effect.scoped,
    Effect.orDie
  )

/**
 * The data dir as it is on disk now. Only meaningful while nothing writes: the daemon is dead, or it is
 * up and the test's clients are paused.
 */
export const readDiskState = async (dataDir: string): Promise<DiskState> => {
  const layout = dataDirLayout(dataDir)
  const now = Math.floor(Date.now() / 1000)
  const database = await Effect.runPromise(readDatabase(layout.database))
  const files = new Map<string, TokenFileOnDisk>()
  const tempFiles: Array<string> = []
  const strangers: Array<string> = []
  const entries = fs.existsSync(layout.tokenDir) ? fs.readdirSync(layout.tokenDir, { withFileTypes: true }) : []
  for (const entry of entries) {
    const file = path.join(layout.tokenDir, entry.name)
    if (entry.isFile() && isUuidV7(entry.name)) {
      try {
        files.set(entry.name, { walletId: entry.name, content: fs.readFileSync(file, "utf8"), mode: fs.statSync(file).mode & 0o777 })
      } catch (error) {
        // Removed since readdir: only possible while the daemon is still finishing work.
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error
      }
    } else if (entry.isFile() && TEMP_FILE.test(entry.name)) tempFiles.push(entry.name)
    else strangers.push(entry.name)
  }
  const dirMode = fs.existsSync(layout.tokenDir) ? fs.lstatSync(layout.tokenDir).mode & 0o777 : 0o700
  return { ...database, files, tempFiles, strangers, dirMode, now }
}

export interface InvariantOptions {
  readonly maxSessionsPerWallet: number
  /**
   * The daemon was just killed: the database must be sound and no file partial, but a session committed
   * just before the kill may still lack its file (start-up repair fixes that), and a temp file may remain.
   */
  readonly justKilled?: boolean
}

/**
 * Every way `state` breaks the invariants, as readable sentences (empty when it holds):
 * the database is sound; each wallet has at most one active MCP session and at most the limit of active
 * sessions; a token file exists exactly for the wallets with an active MCP session, complete, mode 0600,
 * holding that session's current token; the directory is 0700 and holds nothing else.
 */
export const invariantViolations = (state: DiskState, options: InvariantOptions): ReadonlyArray<string> => {
  const problems: Array<string> = []
  if (state.integrity.length !== 1 || state.integrity[0] !== "ok") {
    problems.push(`integrity_check: ${state.integrity.join("; ")}`)
  }
  const activeByWallet = new Map<string, Array<SessionRow>>()
  for (const session of state.sessions) {
    if (!isActive(session, state.now)) continue
    activeByWallet.set(session.walletId, [...(activeByWallet.get(session.walletId) ?? []), session])
  }
  const activeMcp = new Map<string, SessionRow>()
  for (const [walletId, active] of activeByWallet) {
    if (active.length > options.maxSessionsPerWallet) {
      problems.push(`wallet ${walletId} has ${active.length} active sessions (limit ${options.maxSessionsPerWallet})`)
    }
    const mcp = active.filter((session) => session.source === "mcp")
    if (mcp.length > 1) problems.push(`wallet ${walletId} has ${mcp.length} active MCP sessions: ${mcp.map((s) => s.id).join(", ")}`)
    if (mcp.length >= 1) activeMcp.set(walletId, mcp[mcp.length - 1]!)
  }
  for (const [walletId, file] of state.files) {
    if (!COMPLETE_TOKEN_FILE.test(file.content)) {
      problems.push(`token file of ${walletId} is not one complete token (${file.content.length} bytes)`)
    }
    if (file.mode !== 0o600) problems.push(`token file of ${walletId} has mode ${file.mode.toString(8)}`)
    if (options.justKilled) continue
    const session = activeMcp.get(walletId)
    if (session === undefined) {
      problems.push(`token file of ${walletId} exists, but the wallet has no active MCP session`)
      continue
    }
    if (sha256(file.content.trimEnd()) !== session.tokenHash) {
      problems.push(`token file of ${walletId} does not hold the current token of session ${session.id}`)
    }
    const claims = claimsOf(file.content)
    if (claims.sub !== session.id || claims.wlt !== walletId) {
      problems.push(`token file of ${walletId} holds a token for ${claims.wlt}/${claims.sub}, not ${walletId}/${session.id}`)
    }
  }
  for (const [walletId, session] of activeMcp) {
    if (!options.justKilled && !state.files.has(walletId)) problems.push(`wallet ${walletId} has active MCP session ${session.id} but no token file`)
  }
  for (const session of state.sessions) {
    if (!state.walletIds.has(session.walletId)) problems.push(`session ${session.id} belongs to no wallet`)
  }
  if (!options.justKilled && state.tempFiles.length > 0) {
    problems.push(`stray temp files: ${state.tempFiles.join(", ")}`)
  }
  if (state.strangers.length > 0) problems.push(`unexpected entries in the token directory: ${state.strangers.join(", ")}`)
  if (state.dirMode !== 0o700) problems.push(`token directory has mode ${state.dirMode.toString(8)}`)
  return problems
}

/** The wallet's active MCP session in `state`, if any. */
export const activeMcpOf = (state: DiskState, walletId: string): SessionRow | undefined =>
  state.sessions.find((session) => session.walletId === walletId && session.source === "mcp" && isActive(session, state.now))
