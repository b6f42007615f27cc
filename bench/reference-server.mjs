// The reference for session auth: plain node:http + jose + better-sqlite3, doing the checks the daemon's
// sessionAuth does on GET /v1/session, against the daemon's own database and secret:
//   signature (HS256, jose, on every request: no cache), expiry, the session row (exists, same wallet),
//   not revoked, sha256(token) = token_hash, then the wallet row for the answer's walletName.
//   node bench/reference-server.mjs --db DATA_DIR/waiaas.db --port 3200
// Prints "reference listening on <port>" once ready; exits on SIGTERM/SIGINT.
import Database from "better-sqlite3"
import { jwtVerify } from "jose"
import { hash } from "node:crypto"
import * as http from "node:http"
import { parseArgs } from "node:util"
import { fail, send, serve } from "./lib/plain-http.mjs"

const { values: args } = parseArgs({ options: { db: { type: "string" }, port: { type: "string" } } })
const PREFIX = "wai_sess_"
const GRACE_SECONDS = 3600 // only matters if a previous secret exists; the bench never rotates

const db = new Database(args.db, { fileMustExist: true })
db.pragma("busy_timeout = 10000")
const readSecret = (key) => {
  const row = db.prepare("SELECT value FROM key_value WHERE key = ?").get(key)
  if (row === undefined) return undefined
  const stored = JSON.parse(row.value)
  return { secret: Uint8Array.from(Buffer.from(stored.secret, "hex")), createdAt: stored.createdAt }
}
const current = readSecret("jwt_secret_current")
if (current === undefined) throw new Error("jwt_secret_current missing from key_value")
const previous = readSecret("jwt_secret_previous")

const sessionById = db.prepare("SELECT * FROM sessions WHERE id = ?")
const walletName = db.prepare("SELECT name FROM wallets WHERE id = ?").pluck()


const verify = async (jwt) => {
  const secrets = [current.secret]
  if (previous !== undefined && Date.now() < (current.createdAt + GRACE_SECONDS) * 1000) secrets.push(previous.secret)
  let lastError
  for (const secret of secrets) {
    try {
      return (await jwtVerify(jwt, secret, { algorithms: ["HS256"], requiredClaims: ["sub", "wlt", "iat", "exp"] })).payload
    } catch (error) {
      if (error?.code === "ERR_JWT_EXPIRED") throw error
      lastError = error
    }
  }
  throw lastError
}

const server = http.createServer(async (req, res) => {
  if (req.method !== "GET" || req.url !== "/v1/session") return fail(res, 404, "ROUTE_NOT_FOUND", "No route")
  const header = req.headers.authorization ?? ""
  const token = header.startsWith("Bearer ") ? header.slice(7) : ""
  if (!token.startsWith(PREFIX)) return fail(res, 401, "INVALID_TOKEN", "Missing or malformed session token")
  let claims
  try {
    claims = await verify(token.slice(PREFIX.length))
  } catch (error) {
    return error?.code === "ERR_JWT_EXPIRED"
      ? fail(res, 401, "TOKEN_EXPIRED", "Session token has expired")
      : fail(res, 401, "INVALID_TOKEN", "Invalid session token")
  }
  const row = sessionById.get(claims.sub)
  if (row === undefined || row.wallet_id !== claims.wlt) return fail(res, 401, "INVALID_TOKEN", "Session not found")
  if (row.revoked_at !== null) return fail(res, 401, "SESSION_REVOKED", "Session has been revoked")
  if (row.token_hash !== hash("sha256", token, "hex")) {
    return fail(res, 401, "INVALID_TOKEN", "Token has been superseded by a newer one")
  }
  if (row.expires_at <= Math.floor(Date.now() / 1000)) return fail(res, 401, "TOKEN_EXPIRED", "Session has expired")
  send(res, 200, {
    sessionId: row.id,
    walletId: row.wallet_id,
    walletName: walletName.get(row.wallet_id) ?? "",
    expiresAt: row.expires_at,
    source: row.source,
    absoluteExpiresAt: row.absolute_expires_at,
    renewalCount: row.renewal_count,
    maxRenewals: row.max_renewals
  })
})

serve(server, Number(args.port), () => db.close())
