// The data the bench measures with, made through the daemon's own API, and data-dir copies.
import * as fs from "node:fs"
import * as path from "node:path"
import { request, startDaemon } from "./procs.mjs"

export const PASSWORD = "bench master password, long enough"
export const WRONG_PASSWORD = "not the master password"

/** A new data dir `to` (0700) holding a copy of `from`'s database, WAL included, and (unless told) its token files. */
export const copyDataDir = (from, to, { tokenFiles = true } = {}) => {
  fs.mkdirSync(to, { mode: 0o700 })
  for (const file of fs.readdirSync(from)) {
    const source = path.join(from, file)
    if (file === "daemon.lock") continue
    if (fs.statSync(source).isDirectory()) {
      fs.mkdirSync(path.join(to, file), { mode: 0o700 })
      if (!tokenFiles) continue
      for (const inner of fs.readdirSync(source)) fs.copyFileSync(path.join(source, inner), path.join(to, file, inner))
    } else fs.copyFileSync(source, path.join(to, file))
  }
  return to
}

export const expectStatus = (response, status, what) => {
  if (response.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`)
  }
  return response.body
}

/** At most `n` promises at once, in order. */
export const pool = async (n, items, f) => {
  const out = new Array(items.length)
  let next = 0
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await f(items[i], i)
    }
  }))
  return out
}

/**
 * A fresh data dir `dir`, filled through the daemon's own API: `tokenWallets` wallets with
 * `sessionsPerWallet` session tokens each (for the session-auth load) and `provisionWallets` wallets,
 * provisioned once (for the provisioning load). The daemon is stopped again; `track` registers it for
 * cleanup if anything fails.
 */
export const createFixture = async ({ dir, logFile, tokenWallets, sessionsPerWallet, provisionWallets, track = (x) => x }) => {
  fs.mkdirSync(dir, { mode: 0o700 })
  const daemon = track(await startDaemon({ dataDir: dir, password: PASSWORD, logFile }))
  const admin = { "x-master-password": PASSWORD }
  const post = (urlPath, body, what) =>
    request(daemon.port, { method: "POST", path: urlPath, headers: admin, body }).then((r) => expectStatus(r, 201, what))

  const tokenOwners = await pool(2, Array.from({ length: tokenWallets }, (_, i) => i), (i) =>
    post("/v1/wallets", { name: `bench tokens ${i}` }, "create wallet"))
  const tokens = (await pool(2, tokenOwners.flatMap((w) => Array.from({ length: sessionsPerWallet }, () => w)), (w) =>
    post("/v1/sessions", { walletId: w.id }, "create session"))).map((s) => s.token)
  const provisioned = await pool(2, Array.from({ length: provisionWallets }, (_, i) => i), (i) =>
    post("/v1/wallets", { name: `bench mcp ${i}` }, "create wallet"))
  await pool(2, provisioned, (w) => post("/v1/mcp/tokens", { walletId: w.id }, "provision"))
  // The reference must accept the daemon's tokens: check one before measuring anything.
  expectStatus(
    await request(daemon.port, { path: "/v1/session", headers: { authorization: `Bearer ${tokens[0]}` } }),
    200,
    "GET /v1/session with a fresh token"
  )
  await daemon.stop()
  return { dir, tokens, provisionWalletIds: provisioned.map((w) => w.id) }
}
