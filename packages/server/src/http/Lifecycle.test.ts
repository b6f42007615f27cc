import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import { type RawResponse, TestDaemon, TestDaemonLive } from "../testing/TestDaemon.js"

const expectError = (response: RawResponse, status: number, code: string) => {
  expect(response.status).toBe(status)
  expect(response.json).toMatchObject({ code, requestId: response.headers["x-request-id"] })
}

const setup = (name: string) =>
  Effect.gen(function*() {
    const daemon = yield* TestDaemon
    const wallet = (yield* daemon.admin({ method: "POST", path: "/v1/wallets", body: { name } })).json
    const provisioned = (yield* daemon.admin({ method: "POST", path: "/v1/mcp/tokens", body: { walletId: wallet.id } })).json
    const token = fs.readFileSync(provisioned.tokenPath, "utf8").trimEnd()
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` })
    return { daemon, wallet, provisioned, token, bearer }
  })

layer(TestDaemonLive({ stack: "sqlite" }), { timeout: 60_000, excludeTestServices: true })("lifecycle over HTTP", (it) => {
  describe("PUT /v1/sessions/{id}/renew", () => {
    it.effect("answers 409 RENEWAL_TOO_EARLY, retryable, with details.retryAfter and Retry-After", () =>
      Effect.gen(function*() {
        const { bearer, daemon, token } = yield* setup("early")
        const me = (yield* daemon.request({ path: "/v1/session", headers: bearer(token) })).json
        const response = yield* daemon.request({ method: "PUT", path: `/v1/sessions/${me.sessionId}/renew`, headers: bearer(token) })
        expectError(response, 409, "RENEWAL_TOO_EARLY")
        expect(response.json.retryable).toBe(true)
        expect(response.json.details.retryAfter).toBeGreaterThan(43000)
        expect(response.headers["retry-after"]).toBe(String(response.json.details.retryAfter))
      }))

    it.effect("answers 404 for another session's id, 401 without a valid token", () =>
      Effect.gen(function*() {
        const { bearer, daemon, token } = yield* setup("other")
        const other = yield* setup("other2")
        const otherId = (yield* daemon.request({ path: "/v1/session", headers: bearer(other.token) })).json.sessionId
        expectError(
          yield* daemon.request({ method: "PUT", path: `/v1/sessions/${otherId}/renew`, headers: bearer(token) }),
          404,
          "SESSION_NOT_FOUND"
        )
        expectError(yield* daemon.request({ method: "PUT", path: `/v1/sessions/${otherId}/renew` }), 401, "INVALID_TOKEN")
      }))
  })

  describe("sessions", () => {
    it.effect("lists with filters, and revokes idempotently", () =>
      Effect.gen(function*() {
        const { bearer, daemon, token, wallet } = yield* setup("listed")
        const list = yield* daemon.admin({ path: `/v1/sessions?walletId=${wallet.id}&status=ACTIVE` })
        expect(list.status).toBe(200)
        expect(list.json.items).toHaveLength(1)
        expect(list.json.items[0]).toMatchObject({ source: "mcp", status: "ACTIVE", renewalCount: 0, maxRenewals: 30 })
        expect(list.json.items[0].tokenHash).toBeUndefined()
        const id = list.json.items[0].id
        const first = yield* daemon.admin({ method: "DELETE", path: `/v1/sessions/${id}` })
        expect(first.json).toMatchObject({ id, status: "REVOKED", alreadyRevoked: false })
        expect((yield* daemon.admin({ method: "DELETE", path: `/v1/sessions/${id}` })).json.alreadyRevoked).toBe(true)
        expectError(yield* daemon.request({ path: "/v1/session", headers: bearer(token) }), 401, "SESSION_REVOKED")
        expectError(yield* daemon.admin({ path: "/v1/sessions?status=DEAD" }), 400, "VALIDATION_FAILED")
        expectError(yield* daemon.admin({ path: "/v1/sessions?limit=0" }), 400, "VALIDATION_FAILED")
      }))
  })

  describe("MCP tokens", () => {
    it.effect("lists, shows the config for every client again, and revokes with the file", () =>
      Effect.gen(function*() {
        const { daemon, provisioned, wallet } = yield* setup("Mcp Listed")
        const list = yield* daemon.admin({ path: "/v1/mcp/tokens" })
        expect(list.json.items.find((row: { walletId: string }) => row.walletId === wallet.id)).toMatchObject({
          serverName: "waiaas-mcp-listed",
          status: "ACTIVE",
          fileOnDisk: true,
          fileMatches: true
        })
        const config = yield* daemon.admin({ path: `/v1/mcp/tokens/${wallet.id}/config` })
        expect(config.status).toBe(200)
        expect(config.json.clients.map((c: { client: string }) => c.client)).toEqual([
          "claude-desktop",
          "claude-code",
          "cursor",
          "vscode",
          "windsurf",
          "cline",
          "zed",
          "codex",
          "gemini",
          "continue"
        ])
        expect(config.text).not.toContain("wai_sess_")
        const revoked = yield* daemon.admin({ method: "DELETE", path: `/v1/mcp/tokens/${wallet.id}` })
        expect(revoked.json).toMatchObject({ walletId: wallet.id, revoked: true })
        expect(fs.existsSync(provisioned.tokenPath)).toBe(false)
      }))

    it.effect("answers 404 MCP_TOKEN_NOT_FOUND for the config of a wallet never provisioned", () =>
      Effect.gen(function*() {
        const daemon = yield* TestDaemon
        const wallet = (yield* daemon.admin({ method: "POST", path: "/v1/wallets", body: { name: "fresh" } })).json
        expectError(yield* daemon.admin({ path: `/v1/mcp/tokens/${wallet.id}/config` }), 404, "MCP_TOKEN_NOT_FOUND")
      }))
  })

  describe("admin", () => {
    it.effect("rotates the secret (the MCP file is re-signed and still accepted), then 429 with Retry-After", () =>
      Effect.gen(function*() {
        const { bearer, daemon, provisioned, token } = yield* setup("rotation")
        const rotated = yield* daemon.admin({ method: "POST", path: "/v1/admin/rotate-secret" })
        expect(rotated.status).toBe(200)
        expect(rotated.json.resignedMcpTokens).toBeGreaterThanOrEqual(1)
        const resigned = fs.readFileSync(provisioned.tokenPath, "utf8").trimEnd()
        expect(resigned).not.toBe(token)
        expect((yield* daemon.request({ path: "/v1/session", headers: bearer(resigned) })).status).toBe(200)
        const again = yield* daemon.admin({ method: "POST", path: "/v1/admin/rotate-secret" })
        expectError(again, 429, "ROTATION_TOO_RECENT")
        expect(Number(again.headers["retry-after"])).toBeGreaterThan(0)
      }))

    it.effect("pages the audit log newest first, and records failed master-password attempts", () =>
      Effect.gen(function*() {
        const daemon = yield* TestDaemon
        yield* daemon.request({ path: "/v1/wallets", headers: { "x-master-password": "hunter2-guess" } })
        const first = yield* daemon.admin({ path: "/v1/admin/events?limit=2" })
        expect(first.json.items).toHaveLength(2)
        expect(first.json.items[0].type).toBe("MASTER_AUTH_FAILED")
        const second = yield* daemon.admin({ path: `/v1/admin/events?limit=2&cursor=${first.json.nextCursor}` })
        expect(second.json.items[0].id < first.json.items[1].id).toBe(true)
        expect(JSON.stringify([first.json, second.json])).not.toMatch(/wai_sess_|hunter2-guess/)
      }))
  })
})
