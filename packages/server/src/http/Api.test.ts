import { describe, expect, layer } from "@effect/vitest"
import { SessionRepo } from "@waiaas/domain"
import { Effect, Option } from "effect"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { type RawResponse, TestDaemon, TestDaemonLive } from "../testing/TestDaemon.js"

const expectError = (response: RawResponse, status: number, code: string) => {
  expect(response.status).toBe(status)
  expect(response.headers["content-type"]).toMatch(/^application\/json/)
  expect(response.json).toMatchObject({ code, retryable: expect.any(Boolean), message: expect.any(String) })
  expect(response.json.requestId).toBe(response.headers["x-request-id"])
  expect(Object.keys(response.json).every((key) => ["code", "message", "requestId", "retryable", "details", "hint"].includes(key)))
    .toBe(true)
}

const createWallet = (name = "Trading Bot") =>
  Effect.gen(function*() {
    const daemon = yield* TestDaemon
    const response = yield* daemon.admin({ method: "POST", path: "/v1/wallets", body: { name } })
    expect(response.status).toBe(201)
    return response.json as { id: string; name: string }
  })

const provision = (walletId: string, body: Record<string, unknown> = {}) =>
  Effect.flatMap(TestDaemon, (daemon) => daemon.admin({ method: "POST", path: "/v1/mcp/tokens", body: { walletId, ...body } }))

const tokenOf = (tokenPath: string) => fs.readFileSync(tokenPath, "utf8").trimEnd()

const whoAmI = (token: string) =>
  Effect.flatMap(TestDaemon, (daemon) => daemon.request({ path: "/v1/session", headers: { authorization: `Bearer ${token}` } }))

const unknownWalletId = "01936b2e-1c4d-7a00-8000-0123456789ab"

layer(TestDaemonLive({ stack: "sqlite" }), { timeout: 60_000, excludeTestServices: true })("HTTP API over SQLite", (it) => {
  describe("POST /v1/mcp/tokens", () => {
    it.effect("answers 201 with every field and paste-ready Claude Desktop config, but no token", () =>
      Effect.gen(function*() {
        const daemon = yield* TestDaemon
        const wallet = yield* createWallet("My Trading Bot")
        const response = yield* provision(wallet.id)
        expect(response.status).toBe(201)
        const body = response.json
        expect(body).toMatchObject({
          walletId: wallet.id,
          walletName: "My Trading Bot",
          serverName: "waiaas-my-trading-bot",
          tokenPath: path.join(daemon.dataDir, "mcp-tokens", wallet.id),
          expiresAt: expect.any(Number)
        })
        expect(body.claudeDesktopConfig).toEqual({
          mcpServers: {
            "waiaas-my-trading-bot": {
              command: "npx",
              args: ["@waiaas/mcp"],
              env: {
                WAIAAS_DATA_DIR: daemon.dataDir,
                WAIAAS_BASE_URL: "http://127.0.0.1:3100",
                WAIAAS_WALLET_ID: wallet.id,
                WAIAAS_WALLET_NAME: "My Trading Bot"
              }
            }
          }
        })
        expect(response.text).not.toContain("wai_sess_")
      }))

    it.effect("writes the token file: wai_sess_ + a 3-part JWT and a newline, 0600 in a 0700 directory", () =>
      Effect.gen(function*() {
        const wallet = yield* createWallet()
        const { json } = yield* provision(wallet.id)
        const content = fs.readFileSync(json.tokenPath, "utf8")
        expect(content).toMatch(/^wai_sess_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/)
        expect(fs.statSync(json.tokenPath).mode & 0o777).toBe(0o600)
        expect(fs.statSync(path.dirname(json.tokenPath)).mode & 0o777).toBe(0o700)
        expect(fs.readdirSync(path.dirname(json.tokenPath)).filter((name) => name.endsWith(".tmp"))).toEqual([])
      }))

    it.effect("creates an MCP session row that keeps only the token's sha256", () =>
      Effect.gen(function*() {
        const wallet = yield* createWallet()
        const { json } = yield* provision(wallet.id)
        const token = tokenOf(json.tokenPath)
        const me = yield* whoAmI(token)
        expect(me.status).toBe(200)
        expect(me.json).toMatchObject({ walletId: wallet.id, source: "mcp", expiresAt: json.expiresAt })
        const session = yield* Effect.flatMap(SessionRepo, (repo) => repo.findById(me.json.sessionId))
        expect(Option.getOrThrow(session).tokenHash).toBe(createHash("sha256").update(token).digest("hex"))
        const daemon = yield* TestDaemon
        for (const file of fs.readdirSync(daemon.dataDir).filter((name) => name.startsWith("waiaas.db"))) {
          expect(fs.readFileSync(path.join(daemon.dataDir, file)).includes(token.slice(9, 60))).toBe(false)
        }
      }))

    it.effect("refuses a missing, empty or wrong master password with 401", () =>
      Effect.gen(function*() {
        const daemon = yield* TestDaemon
        const wallet = yield* createWallet()
        for (const password of [undefined, "", "wrong password"]) {
          const response = yield* daemon.request({
            method: "POST",
            path: "/v1/mcp/tokens",
            headers: { "x-master-password": password },
            body: { walletId: wallet.id }
          })
          expectError(response, 401, "INVALID_MASTER_PASSWORD")
        }
        expect(fs.existsSync(path.join(daemon.dataDir, "mcp-tokens", wallet.id))).toBe(false)
      }))

    it.effect("answers 404 WALLET_NOT_FOUND for an unknown wallet, with a hint", () =>
      Effect.gen(function*() {
        const response = yield* provision(unknownWalletId)
        expectError(response, 404, "WALLET_NOT_FOUND")
        expect(response.json.hint).toContain("GET /v1/wallets")
      }))

    it.effect("honours expiresIn", () =>
      Effect.gen(function*() {
        const wallet = yield* createWallet()
        const before = Math.floor(Date.now() / 1000)
        const { json } = yield* provision(wallet.id, { expiresIn: 3600 })
        expect(json.expiresAt).toBeGreaterThanOrEqual(before + 3600)
        expect(json.expiresAt).toBeLessThanOrEqual(before + 3602)
      }))

    it.effect("re-provisioning replaces the file and revokes the old token at once, without filling the limit", () =>
      Effect.gen(function*() {
        const wallet = yield* createWallet()
        const first = yield* provision(wallet.id)
        const oldToken = tokenOf(first.json.tokenPath)
        expect((yield* whoAmI(oldToken)).status).toBe(200)
        for (let i = 0; i < 7; i++) expect((yield* provision(wallet.id)).status).toBe(201)
        const newToken = tokenOf(first.json.tokenPath)
        expect(newToken).not.toBe(oldToken)
        expectError(yield* whoAmI(oldToken), 401, "SESSION_REVOKED")
        expect((yield* whoAmI(newToken)).status).toBe(200)
      }))

    it.effect("keeps the server name when the wallet is renamed", () =>
      Effect.gen(function*() {
        const daemon = yield* TestDaemon
        const wallet = yield* createWallet("Alpha")
        expect((yield* provision(wallet.id)).json.serverName).toBe("waiaas-alpha")
        yield* daemon.admin({ method: "PUT", path: `/v1/wallets/${wallet.id}`, body: { name: "Beta" } })
        const again = yield* provision(wallet.id)
        expect(again.json.serverName).toBe("waiaas-alpha")
        expect(again.json.walletName).toBe("Beta")
        const other = yield* createWallet("Alpha")
        expect((yield* provision(other.id)).json.serverName).toMatch(/^waiaas-alpha-[a-z0-9]{7}$/)
      }))
  })

  describe("validation", () => {
    it.effect("rejects expiresIn outside 300..604800 or not an integer with 400 VALIDATION_FAILED", () =>
      Effect.gen(function*() {
        const wallet = yield* createWallet()
        for (const expiresIn of [299, 604801, 1.5, "3600", null, -1]) {
          const response = yield* provision(wallet.id, { expiresIn })
          expectError(response, 400, "VALIDATION_FAILED")
          expect(response.json.details.issues[0].path).toEqual(["expiresIn"])
        }
        for (const expiresIn of [300, 604800]) expect((yield* provision(wallet.id, { expiresIn })).status).toBe(201)
      }))

    it.effect("rejects malformed wallet ids, in bodies and paths", () =>
      Effect.gen(function*() {
        const daemon = yield* TestDaemon
        for (const walletId of ["../../etc/passwd", "", 42, "01936B2E-1C4D-7A00-8000-0123456789AB"]) {
          expectError(yield* provision(walletId as string), 400, "VALIDATION_FAILED")
        }
        expectError(yield* daemon.admin({ path: "/v1/wallets/..%2F..%2Fetc%2Fpasswd" }), 400, "VALIDATION_FAILED")
        expect(fs.readdirSync(path.join(daemon.dataDir, "mcp-tokens")).every((name) => !name.includes(".."))).toBe(true)
      }))

    it.effect("rejects bad wallet bodies", () =>
      Effect.gen(function*() {
        const daemon = yield* TestDaemon
        const bodies = [{}, { name: "" }, { name: "   " }, { name: "x".repeat(101) }, { name: "a\u0000b" }, {
          name: "ok",
          chain: "bitcoin"
        }, { name: "ok", chain: "solana", network: "sepolia" }]
        for (const body of bodies) {
          expectError(yield* daemon.admin({ method: "POST", path: "/v1/wallets", body }), 400, "VALIDATION_FAILED")
        }
      }))

    it.effect("answers malformed JSON with 400 INVALID_JSON", () =>
      Effect.gen(function*() {
        const daemon = yield* TestDaemon
        const response = yield* daemon.admin({
          method: "POST",
          path: "/v1/mcp/tokens",
          headers: { "content-type": "application/json" },
          body: "{\"walletId\": "
        })
        expectError(response, 400, "INVALID_JSON")
      }))

    it.effect("answers unknown routes and methods with 404 NOT_FOUND", () =>
      Effect.gen(function*() {
        const daemon = yield* TestDaemon
        expectError(yield* daemon.request({ path: "/v1/nope" }), 404, "NOT_FOUND")
        expectError(yield* daemon.request({ method: "PATCH", path: "/health" }), 404, "NOT_FOUND")
      }))

    it.effect("answers bodies over 64 KiB with 413, with or without Content-Length", () =>
      Effect.gen(function*() {
        const daemon = yield* TestDaemon
        const body = { walletId: unknownWalletId, padding: "x".repeat(70 * 1024) }
        expectError(yield* daemon.admin({ method: "POST", path: "/v1/mcp/tokens", body }), 413, "PAYLOAD_TOO_LARGE")
        expectError(
          yield* daemon.admin({ method: "POST", path: "/v1/mcp/tokens", body, chunked: true }),
          413,
          "PAYLOAD_TOO_LARGE"
        )
        const wallet = yield* createWallet()
        const small = yield* daemon.admin({ method: "POST", path: "/v1/mcp/tokens", body: { walletId: wallet.id }, chunked: true })
        expect(small.status).toBe(201)
      }))
  })

  describe("request policy", () => {
    it.effect("refuses a Host other than loopback with 403 HOST_NOT_ALLOWED (DNS rebinding)", () =>
      Effect.gen(function*() {
        const daemon = yield* TestDaemon
        for (const host of ["evil.example", "evil.example:3100", "127.0.0.1.evil.example", "localhost.:3100", undefined]) {
          expectError(yield* daemon.request({ path: "/health", headers: { host } }), 403, "HOST_NOT_ALLOWED")
        }
        for (const host of ["localhost:3100", "127.0.0.1", "[::1]:3100", "LOCALHOST"]) {
          expect((yield* daemon.request({ path: "/health", headers: { host } })).status).toBe(200)
        }
      }))

    it.effect("answers headers over 16 KiB with 431 in the error shape", () =>
      Effect.gen(function*() {
        const daemon = yield* TestDaemon
        const response = yield* daemon.request({ path: "/health", headers: { "x-padding": "x".repeat(20 * 1024) } })
        expect(response.status).toBe(431)
        expect(response.json).toMatchObject({ code: "HEADERS_TOO_LARGE", retryable: false })
      }))

    it.effect("echoes a caller's X-Request-Id in the header and the error body, or makes one", () =>
      Effect.gen(function*() {
        const daemon = yield* TestDaemon
        const echoed = yield* daemon.request({ path: "/v1/wallets", headers: { "x-request-id": "rid-123" } })
        expect(echoed.headers["x-request-id"]).toBe("rid-123")
        expect(echoed.json.requestId).toBe("rid-123")
        const made = yield* daemon.request({ path: "/v1/wallets", headers: { "x-request-id": "bad id\twith tab" } })
        expect(made.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/)
      }))

    it.effect("serves /health, /openapi.json and /docs without a password", () =>
      Effect.gen(function*() {
        const daemon = yield* TestDaemon
        expect((yield* daemon.request({ path: "/health" })).json).toMatchObject({ status: "ok", version: "0.1.0" })
        const openapi = yield* daemon.request({ path: "/openapi.json" })
        expect(openapi.json.paths["/v1/mcp/tokens"]).toBeDefined()
        const docs = yield* daemon.request({ path: "/docs" })
        expect(docs.status).toBe(200)
        expect(docs.text).toContain("swagger")
        expect(docs.text).not.toMatch(/<script[^>]+src="https?:/)
      }))
  })

  describe("GET /v1/session", () => {
    it.effect("refuses a missing, malformed, or tampered token with 401 INVALID_TOKEN", () =>
      Effect.gen(function*() {
        const daemon = yield* TestDaemon
        expectError(yield* daemon.request({ path: "/v1/session" }), 401, "INVALID_TOKEN")
        expectError(yield* whoAmI("not-a-token"), 401, "INVALID_TOKEN")
        const wallet = yield* createWallet()
        const token = tokenOf((yield* provision(wallet.id)).json.tokenPath)
        const [header, payload, signature] = token.slice("wai_sess_".length).split(".")
        expectError(yield* whoAmI(`wai_sess_${header}.${payload}.${signature!.slice(0, -2)}AA`), 401, "INVALID_TOKEN")
      }))

    it.effect("works for an API session created with POST /v1/sessions", () =>
      Effect.gen(function*() {
        const daemon = yield* TestDaemon
        const wallet = yield* createWallet("Api Wallet")
        const created = yield* daemon.admin({ method: "POST", path: "/v1/sessions", body: { walletId: wallet.id, expiresIn: 600 } })
        expect(created.status).toBe(201)
        expect(created.json).toMatchObject({ walletId: wallet.id, token: expect.stringMatching(/^wai_sess_/) })
        const me = yield* whoAmI(created.json.token)
        expect(me.json).toEqual({
          sessionId: created.json.id,
          walletId: wallet.id,
          walletName: "Api Wallet",
          expiresAt: created.json.expiresAt,
          source: "api",
          absoluteExpiresAt: expect.any(Number),
          renewalCount: 0,
          maxRenewals: 30
        })
      }))
  })

  describe("wallets", () => {
    it.effect("create, list, get, rename and terminate", () =>
      Effect.gen(function*() {
        const daemon = yield* TestDaemon
        const wallet = yield* createWallet("Lifecycle")
        expect(wallet).toMatchObject({ chain: "solana", network: "devnet", status: "ACTIVE" })
        const list = yield* daemon.admin({ path: "/v1/wallets" })
        expect(list.json.items.map((w: { id: string }) => w.id)).toContain(wallet.id)
        expect((yield* daemon.admin({ path: `/v1/wallets/${wallet.id}` })).json.name).toBe("Lifecycle")
        const renamed = yield* daemon.admin({ method: "PUT", path: `/v1/wallets/${wallet.id}`, body: { name: "Renamed" } })
        expect(renamed.json.name).toBe("Renamed")
        const provisioned = yield* provision(wallet.id)
        const token = tokenOf(provisioned.json.tokenPath)
        const terminated = yield* daemon.admin({ method: "DELETE", path: `/v1/wallets/${wallet.id}` })
        expect(terminated.json.status).toBe("TERMINATED")
        expect(fs.existsSync(provisioned.json.tokenPath)).toBe(false)
        expectError(yield* whoAmI(token), 401, "SESSION_REVOKED")
        expectError(yield* daemon.admin({ method: "DELETE", path: `/v1/wallets/${wallet.id}` }), 410, "WALLET_TERMINATED")
        expectError(yield* provision(wallet.id), 410, "WALLET_TERMINATED")
      }))

    it.effect("enforces the per-wallet session limit with 403 SESSION_LIMIT_EXCEEDED", () =>
      Effect.gen(function*() {
        const daemon = yield* TestDaemon
        const wallet = yield* createWallet()
        for (let i = 0; i < daemon.settings.maxSessionsPerWallet; i++) {
          expect((yield* daemon.admin({ method: "POST", path: "/v1/sessions", body: { walletId: wallet.id } })).status).toBe(201)
        }
        const refused = yield* daemon.admin({ method: "POST", path: "/v1/sessions", body: { walletId: wallet.id } })
        expectError(refused, 403, "SESSION_LIMIT_EXCEEDED")
        expect(refused.json.details).toEqual({ active: 5, max: 5 })
        expectError(yield* provision(wallet.id), 403, "SESSION_LIMIT_EXCEEDED")
      }))
  })
})
