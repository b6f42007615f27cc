// The floor under POST /v1/mcp/tokens: the work provisioning cannot avoid, with nothing around it.
//   node bench/lib/floor.mjs '<json>'  ->  one JSON line: latency summary of `n` operations, `concurrency` in flight
// One operation = what one provisioning must do, in order:
//   1. one argon2 verify of the master password against the stored hash (production parameters: the
//      stored PHC string carries them), at most `argon2Permits` at once, as the daemon bounds them;
//   2. one SQLite transaction of the same rows (wallet read, the wallet's active MCP session read and
//      revoked, active count, session insert, the three events provisioning records), same pragmas;
//   3. one atomic token-file write: temp file O_EXCL 0600, write, fsync, rename, fsync of the directory.
// It runs against a copy of the daemon's database (never the live file), with the daemon idle.
import argon2 from "argon2"
import Database from "better-sqlite3"
import { hash as sha, randomBytes, randomUUID } from "node:crypto"
import { constants } from "node:fs"
import { open, rename } from "node:fs/promises"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { latencySummary } from "./stats.mjs"

/**
 * One provisioning's floor as a function: `operation(walletId)` does the three steps above once and resolves
 * its latency in ms. For the CLI below, and for paired.mjs, which alternates it with daemon requests.
 */
export const makeFloor = (config) => {
  const db = new Database(config.db, { fileMustExist: true })
  db.pragma("journal_mode = WAL")
  db.pragma("busy_timeout = 10000")
  db.pragma("foreign_keys = ON")
  const hash = db.prepare("SELECT value FROM key_value WHERE key = 'master_password_hash'").pluck().get()
  if (typeof hash !== "string") throw new Error("master_password_hash missing")

  const columns = (table) => db.prepare(`PRAGMA table_info(${table})`).all().map((c) => c.name)
  // The session row the daemon writes; columns this database does not have are left out, columns it has
  // and this list lacks take their defaults.
  const sessionValues = (id, walletId, tokenHash, now) => ({
    id, wallet_id: walletId, token_hash: tokenHash, source: "mcp", ttl: 86_400, expires_at: now + 86_400,
    absolute_expires_at: now + 30 * 86_400, renewal_count: 0, max_renewals: 30, last_renewed_at: null, revoked_at: null,
    expired_at: null, created_at: now
  })
  const sessionCols = columns("sessions").filter((c) => c in sessionValues("", "", "", 0))
  const insertSession = db.prepare(
    `INSERT INTO sessions (${sessionCols.join(", ")}) VALUES (${sessionCols.map((c) => "@" + c).join(", ")})`
  )
  const hasEvents = columns("events").length > 0
  const eventInsert = hasEvents
    ? db.prepare("INSERT INTO events (id, type, wallet_id, session_id, at, details) VALUES (?, ?, ?, ?, ?, ?)")
    : undefined
  const insertEvent = { run: (...args) => eventInsert?.run(...args) }
  const walletById = db.prepare("SELECT * FROM wallets WHERE id = ?")
  const activeMcp = db.prepare(
    `SELECT * FROM sessions WHERE wallet_id = ? AND revoked_at IS NULL AND source = 'mcp' AND expires_at > ?
     ORDER BY created_at DESC, id DESC LIMIT 1`
  )
  const revoke = db.prepare("UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
  const countActive = db.prepare("SELECT count(*) FROM sessions WHERE wallet_id = ? AND revoked_at IS NULL AND expires_at > ?").pluck()

  const transaction = db.transaction((walletId, now) => {
    const wallet = walletById.get(walletId)
    if (wallet === undefined) throw new Error(`wallet ${walletId} missing`)
    const previous = activeMcp.get(walletId, now)
    if (previous !== undefined) revoke.run(now, previous.id)
    countActive.get(walletId, now)
    const id = randomUUID()
    const token = "wai_sess_" + randomBytes(120).toString("base64url")
    const values = sessionValues(id, walletId, sha("sha256", token, "hex"), now)
    insertSession.run(Object.fromEntries(sessionCols.map((c) => [c, values[c]])))
    if (previous !== undefined) insertEvent.run(randomUUID(), "SESSION_REVOKED", walletId, previous.id, now, "{}")
    insertEvent.run(randomUUID(), "SESSION_CREATED", walletId, id, now, "{}")
    insertEvent.run(randomUUID(), "MCP_TOKEN_PROVISIONED", walletId, id, now, "{}")
    return { token, wallet, expiresAt: values.expires_at }
  })

  const writeAtomically = async (dir, name, content) => {
    const target = join(dir, name)
    const temp = join(dir, `.${name}.${randomBytes(8).toString("hex")}.tmp`)
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600)
    try {
      await handle.writeFile(content, "utf8")
      await handle.chmod(0o600)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, target)
    const dirHandle = await open(dir, constants.O_RDONLY)
    try {
      await dirHandle.sync()
    } finally {
      await dirHandle.close()
    }
  }

  // The daemon's bound on concurrent argon2 runs (MAX_CONCURRENT_ARGON2), as a tiny semaphore.
  let permits = config.argon2Permits
  const waiters = []
  const withPermit = async (f) => {
    if (permits === 0) await new Promise((resolve) => waiters.push(resolve))
    else permits--
    try {
      return await f()
    } finally {
      const next = waiters.shift()
      if (next) next()
      else permits++
    }
  }

  // The three steps; `undefined` for a wrong password (a missing wallet throws). The reference server
  // (reference-provisioning.mjs) answers with what this returns.
  const provision = async (walletId, password) => {
    if (!(await withPermit(() => argon2.verify(hash, password)))) return undefined
    const { token, wallet, expiresAt } = transaction(walletId, Math.floor(Date.now() / 1000))
    await writeAtomically(config.tokenDir, walletId, token + "\n")
    return { wallet, expiresAt, tokenPath: join(config.tokenDir, walletId) }
  }

  const operation = async (walletId) => {
    const t0 = performance.now()
    if ((await provision(walletId, config.password)) === undefined) {
      throw new Error("argon2 verify failed: wrong password for the stored hash")
    }
    return performance.now() - t0
  }
  return { operation, provision, close: () => db.close() }
}

// The CLI: `node floor.mjs '<json>'`, `n` operations with `concurrency` in flight.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const config = JSON.parse(process.argv[2])
  const floor = makeFloor(config)
  let next = 0
  const operation = () => floor.operation(config.walletIds[next++ % config.walletIds.length])
  const runBatch = async (n) => {
    const samples = []
    let remaining = n
    const worker = async () => {
      while (remaining > 0) {
        remaining--
        samples.push(await operation())
      }
    }
    await Promise.all(Array.from({ length: Math.min(config.concurrency, n) }, worker))
    return samples
  }
  if (config.warmup > 0) await runBatch(config.warmup)
  const cpuBefore = process.cpuUsage()
  // In completion order; `skipFirst` drops the burst that starts the batch, as load.mjs does.
  const samples = (await runBatch(config.n)).slice(config.skipFirst ?? 0)
  const cpuRun = process.cpuUsage(cpuBefore) // the `n` operations alone, every thread of this process
  floor.close()
  const cpu = process.cpuUsage()
  process.stdout.write(JSON.stringify({
    cpuS: (cpu.user + cpu.system) / 1e6,
    cpuMsPerOperation: (cpuRun.user + cpuRun.system) / 1e3 / config.n,
    n: samples.length,
    concurrency: config.concurrency,
    latency: latencySummary(samples),
    ...(config.samples === true ? { samples } : {})
  }) + "\n")
}
