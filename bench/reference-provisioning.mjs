// The reference for provisioning: what a plain server over the same libraries would do on
// POST /v1/mcp/tokens: node:http, the body's JSON, then the floor's own steps (floor.mjs: argon2 verify
// of X-Master-Password, the SQLite transaction, the atomic token-file write), then a JSON answer with the
// wallet, the token path and a Claude Desktop config. Less than the daemon answers (one client's config,
// ~0.5 KB, where the daemon renders ten, ~8 KB) and no error contract beyond a status and a code: a lower
// bound for any HTTP server doing this work in Node.
//   node bench/reference-provisioning.mjs --port 3201 --floor '{"db": ..., "tokenDir": ..., "argon2Permits": 2}'
// Serves a copy of the database (the floor's), never the daemon's live file. Prints "reference listening
// on <port>" once ready; exits on SIGTERM/SIGINT.
import * as http from "node:http"
import { parseArgs } from "node:util"
import { makeFloor } from "./lib/floor.mjs"
import { fail, send, serve } from "./lib/plain-http.mjs"

const { values: args } = parseArgs({ options: { port: { type: "string" }, floor: { type: "string" } } })
const floor = makeFloor(JSON.parse(args.floor))

const answer = async (req, res, body) => {
  let walletId
  try {
    walletId = JSON.parse(body).walletId
  } catch {
    return fail(res, 400, "INVALID_JSON")
  }
  if (typeof walletId !== "string") return fail(res, 400, "VALIDATION_FAILED")
  let provisioned
  try {
    provisioned = await floor.provision(walletId, String(req.headers["x-master-password"] ?? ""))
  } catch {
    return fail(res, 404, "WALLET_NOT_FOUND")
  }
  if (provisioned === undefined) return fail(res, 401, "INVALID_MASTER_PASSWORD")
  const { wallet, expiresAt, tokenPath } = provisioned
  const serverName = wallet.server_name ?? `waiaas-${wallet.id.slice(0, 8)}`
  send(res, 201, {
    walletId,
    walletName: wallet.name,
    serverName,
    tokenPath,
    expiresAt,
    claudeDesktopConfig: {
      mcpServers: {
        [serverName]: {
          command: "npx",
          args: ["-y", "@waiaas/mcp"],
          env: { WAIAAS_WALLET_ID: walletId, WAIAAS_WALLET_NAME: wallet.name, WAIAAS_BASE_URL: "http://127.0.0.1:3100" }
        }
      }
    }
  })
}

const server = http.createServer((req, res) => {
  if (req.method !== "POST" || req.url !== "/v1/mcp/tokens") return fail(res, 404, "ROUTE_NOT_FOUND")
  const chunks = []
  req.on("data", (chunk) => chunks.push(chunk))
  req.on("end", () => void answer(req, res, Buffer.concat(chunks).toString("utf8")))
})

serve(server, Number(args.port), () => floor.close())
