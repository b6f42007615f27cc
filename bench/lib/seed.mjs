// Seeds a COPY of a migrated waiaas.db (daemon stopped) with `sessions` sessions across `wallets` wallets,
// straight through better-sqlite3 in one transaction:
//   node bench/lib/seed.mjs '{"db": ".../waiaas.db", "tokenDir": ".../mcp-tokens", "wallets": 100000, "sessions": 1000000}'
// The columns are read from the database (PRAGMA table_info), so a migration that adds a column with a
// default keeps working; a new NOT NULL column without a default stops the seed with its name.
//
// Per wallet (10 sessions each at the default ratio): 1 active MCP session, 1 active API session, half of
// the rest revoked, the others expired and already swept (expired_at set, as the sweeper leaves them), so
// no wallet is over the per-wallet limit and the daemon's expiry sweeper has nothing to catch up on.
// Each active MCP session gets a real token (HS256 with the database's current secret, as the daemon signs
// them) and its token file in `tokenDir`, as provisioning would have left them: the daemon checks the token
// files against the active MCP sessions when it starts. Other sessions get random token hashes (nobody
// authenticates with them; the bench's own tokens are in the same tables, next to them).
import Database from "better-sqlite3"
import { createHash, createHmac, randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"

const config = JSON.parse(process.argv[2])
const t0 = performance.now()
const db = new Database(config.db, { fileMustExist: true })
const now = Math.floor(Date.now() / 1000)

// Bulk load: no WAL (one big WAL would be checkpointed later by the daemon), journal in memory, no fsync.
// (Dropping and re-creating the indexes around the load measured no faster.)
db.pragma("journal_mode = MEMORY")
db.pragma("synchronous = OFF")
db.pragma("cache_size = -1048576") // 1 GiB: the whole seeded database stays in memory until the commit
db.pragma("foreign_keys = OFF") // every wallet is inserted before its sessions anyway

const columnsOf = (table) => db.prepare(`PRAGMA table_info(${table})`).all()

/** An INSERT for `table` filling every column `known` names; unknown columns must have a default or be nullable. */
const inserter = (table, known) => {
  const columns = columnsOf(table)
  const used = []
  for (const column of columns) {
    if (column.name in known) used.push(column.name)
    else if (column.notnull && column.dflt_value === null && !column.pk) {
      throw new Error(`seed.mjs: ${table}.${column.name} is NOT NULL without a default; teach seed.mjs its value`)
    }
  }
  const statement = db.prepare(`INSERT INTO ${table} (${used.join(", ")}) VALUES (${used.map((c) => "@" + c).join(", ")})`)
  return (row) => statement.run(Object.fromEntries(used.map((c) => [c, row[c]])))
}

// UUID v7 from a millisecond timestamp (ids sort by time, as the daemon's IdGeneratorUuidV7 makes them).
let pool = randomBytes(0)
let poolAt = 0
const random = (n) => {
  if (poolAt + n > pool.length) {
    pool = randomBytes(1 << 20)
    poolAt = 0
  }
  const out = pool.subarray(poolAt, poolAt + n)
  poolAt += n
  return out
}
const uuidV7 = (ms) => {
  const ts = ms.toString(16).padStart(12, "0")
  const r = random(10).toString("hex")
  const variant = ((parseInt(r[3], 16) & 0x3) | 0x8).toString(16)
  return `${ts.slice(0, 8)}-${ts.slice(8, 12)}-7${r.slice(0, 3)}-${variant}${r.slice(4, 7)}-${r.slice(8, 20)}`
}

const stored = db.prepare("SELECT value FROM key_value WHERE key = 'jwt_secret_current'").pluck().get()
if (typeof stored !== "string") throw new Error("seed.mjs: jwt_secret_current missing (start the daemon once first)")
const secret = Buffer.from(JSON.parse(stored).secret, "hex")
const b64url = (value) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url")
const JWT_HEADER = b64url({ alg: "HS256", typ: "JWT" })
/** `wai_sess_` + HS256 JWT {sub, wlt, iat, exp}, byte for byte what jose's SignJWT makes for the daemon. */
const mintToken = (claims) => {
  const input = `${JWT_HEADER}.${b64url(claims)}`
  return `wai_sess_${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`
}
const tokenFiles = []

const walletCount = config.wallets
const perWallet = Math.max(1, Math.round(config.sessions / walletCount))
const sessionCount = walletCount * perWallet
const ttl = 86_400
const absolute = 30 * 86_400
// Created over the last 60 days, oldest first.
const spanMs = 60 * 86_400 * 1000
const startMs = Date.now() - spanMs

const insertWallet = inserter("wallets", {
  id: 0, name: 0, chain: 0, network: 0, status: 0, server_name: 0, created_at: 0, updated_at: 0
})
const insertSession = inserter("sessions", {
  id: 0, wallet_id: 0, token_hash: 0, source: 0, ttl: 0, expires_at: 0, absolute_expires_at: 0, renewal_count: 0,
  max_renewals: 0, last_renewed_at: 0, revoked_at: 0, expired_at: 0, created_at: 0
})

const seed = db.transaction(() => {
  for (let w = 0; w < walletCount; w++) {
    const walletMs = startMs + Math.floor((w / walletCount) * spanMs * 0.5)
    const walletId = uuidV7(walletMs)
    const createdAt = Math.floor(walletMs / 1000)
    const chain = w % 2 === 0 ? "solana" : "ethereum"
    insertWallet({
      id: walletId,
      name: `seed wallet ${w}`,
      chain,
      network: chain === "solana" ? "devnet" : "sepolia",
      status: "ACTIVE",
      server_name: `waiaas-seed-${w}`,
      created_at: createdAt,
      updated_at: createdAt
    })
    for (let k = 0; k < perWallet; k++) {
      // Active sessions are the newest two; older ones are history.
      const active = k >= perWallet - 2
      const source = active ? (k === perWallet - 1 ? "mcp" : "api") : k % 3 === 0 ? "mcp" : "api"
      const ageS = active ? 3600 * (1 + (k % 5)) : Math.floor(((perWallet - k) / perWallet) * 25 * 86_400) + 3 * 86_400
      const created = Math.max(createdAt, now - ageS)
      const revoked = !active && k % 2 === 0
      const expiresAt = active ? now + ttl - (now - created) % ttl : created + ttl
      const id = uuidV7(created * 1000 + (k % 1000))
      let tokenHash
      if (active && source === "mcp") {
        const token = mintToken({ sub: id, wlt: walletId, iat: created, exp: expiresAt })
        tokenHash = createHash("sha256").update(token).digest("hex")
        tokenFiles.push([walletId, token])
      } else tokenHash = createHash("sha256").update(random(16)).digest("hex")
      insertSession({
        id,
        wallet_id: walletId,
        token_hash: tokenHash,
        source,
        ttl,
        expires_at: expiresAt,
        absolute_expires_at: created + absolute,
        renewal_count: 0,
        max_renewals: 30,
        last_renewed_at: null,
        revoked_at: revoked ? created + 600 : null,
        expired_at: !active && !revoked ? expiresAt + 60 : null,
        created_at: created
      })
    }
  }
})
seed()
db.pragma("journal_mode = WAL")
// No ANALYZE: the daemon never runs it, so the planner sees what it sees in production.
const counts = {
  wallets: db.prepare("SELECT count(*) FROM wallets").pluck().get(),
  sessions: db.prepare("SELECT count(*) FROM sessions").pluck().get()
}
db.close()
// After the commit, as provisioning writes them (no fsync here: a bench fixture, not a durability test).
if (config.tokenDir !== undefined) {
  fs.mkdirSync(config.tokenDir, { recursive: true, mode: 0o700 })
  for (const [walletId, token] of tokenFiles) fs.writeFileSync(path.join(config.tokenDir, walletId), `${token}\n`, { mode: 0o600 })
}
process.stdout.write(JSON.stringify({
  seededWallets: walletCount,
  seededSessions: sessionCount,
  tokenFiles: config.tokenDir === undefined ? 0 : tokenFiles.length,
  ...counts,
  seconds: (performance.now() - t0) / 1000
}) + "\n")
