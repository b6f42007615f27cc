import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import { comparable, TempSqliteStack, twoServers } from "../testing/PreRouteHarness.js"
import { rawRequest, type RawRequest, type RawResponse, TEST_PASSWORD } from "../testing/TestDaemon.js"
import { makeProvisioningFastPath } from "./ProvisioningFastPath.js"

// POST /v1/mcp/tokens is answered by ProvisioningFastPath before the HTTP app. Two servers over one database:
// `fast` with it, `app` without; every request goes to both (fast first), and the answers must be the same
// but for the request id, and only the requests meant for the fast path may reach it. A provisioning
// answered by both differs only in the expiry, which may fall in the next second.

const PATH = "/v1/mcp/tokens"

/** What must be equal; a new session's expiry is compared separately (within a second). */
const sameAnswer = (answer: RawResponse) => {
  const { body, ...rest } = comparable(answer)
  const { expiresAt: _, ...others } = body as Record<string, unknown>
  return { ...rest, body: answer.status === 201 ? others : body }
}

describe("ProvisioningFastPath", () => {
  it.scopedLive("answers POST /v1/mcp/tokens exactly as the HTTP app does, and leaves every other form to it", () =>
    Effect.gen(function*() {
      const { admin, appPort, claimed, fastPort } = yield* twoServers(makeProvisioningFastPath)
      const newWallet = (name: string) =>
        Effect.map(admin({ method: "POST", path: "/v1/wallets", body: { name } }), (answer) => answer.json.id as string)

      const wallet = yield* newWallet("Fast Lane")
      const terminated = yield* newWallet("Gone")
      expect((yield* admin({ method: "DELETE", path: `/v1/wallets/${terminated}` })).status).toBe(200)
      const full = yield* newWallet("Full")
      for (let i = 0; i < 5; i++) expect((yield* admin({ method: "POST", path: "/v1/sessions", body: { walletId: full } })).status).toBe(201)

      const password = { "x-master-password": TEST_PASSWORD }
      const post = (body: unknown, headers: Record<string, string | undefined> = {}): RawRequest => ({
        method: "POST",
        path: PATH,
        headers: { ...password, ...headers },
        body
      })
      const deep = `${"[".repeat(40)}${"]".repeat(40)}`
      const fastCases: Record<string, RawRequest> = {
        valid: post({ walletId: wallet }),
        withExpiry: post({ walletId: wallet, expiresIn: 3600 }),
        extraField: post({ walletId: wallet, note: "ignored" }),
        charset: post(JSON.stringify({ walletId: wallet }), { "content-type": "application/json; charset=utf-8" }),
        noContentType: post(JSON.stringify({ walletId: wallet })),
        requestId: post({ walletId: wallet }, { "x-request-id": "admin-7.req:1" }),
        tokenLikeRequestId: post({ walletId: wallet }, { "x-request-id": "wai_sess_abc" }),
        localhost: post({ walletId: wallet }, { host: "localhost" }),
        wrongPassword: post({ walletId: wallet }, { "x-master-password": "not it" }),
        emptyPassword: post({ walletId: wallet }, { "x-master-password": "" }),
        notJson: post("{", { "content-type": "application/json" }),
        notJsonWrongPassword: post("{", { "content-type": "application/json", "x-master-password": "not it either" }),
        emptyBody: post("", { "content-type": "application/json" }),
        tooDeep: post(deep, { "content-type": "application/json" }),
        nothing: post({}),
        array: post([wallet]),
        notAWalletId: post({ walletId: "abc" }),
        expiryTooShort: post({ walletId: wallet, expiresIn: 10 }),
        unknownWallet: post({ walletId: "01900000-0000-7000-8000-00000000beef" }),
        terminated: post({ walletId: terminated }),
        // The payload is read while the password is checked; its errors must still come after the password's.
        notAWalletIdWrongPassword: post({ walletId: "abc" }, { "x-master-password": "not it" }),
        unknownWalletWrongPassword: post({ walletId: "01900000-0000-7000-8000-00000000beef" }, { "x-master-password": "no" }),
        limitReached: post({ walletId: full })
      }
      const appCases: Record<string, RawRequest> = {
        noPassword: { method: "POST", path: PATH, body: { walletId: wallet } },
        chunked: { ...post({ walletId: wallet }), chunked: true },
        query: { ...post({ walletId: wallet }), path: `${PATH}?verbose=1` },
        trailingSlash: { ...post({ walletId: wallet }), path: `${PATH}/` },
        text: post(JSON.stringify({ walletId: wallet }), { "content-type": "text/plain" }),
        multipart: post("--x--", { "content-type": "multipart/form-data; boundary=x" }),
        foreignHost: post({ walletId: wallet }, { host: "evil.example:80" }),
        list: { method: "GET", path: PATH, headers: password },
        tooLarge: post(JSON.stringify({ walletId: wallet, pad: "x".repeat(70 * 1024) }), { "content-type": "application/json" })
      }
      const send = (name: string, request: RawRequest) =>
        Effect.gen(function*() {
          const withCase = { ...request, headers: { ...request.headers, "x-case": name } }
          const viaFast = yield* rawRequest(fastPort, withCase)
          const viaApp = yield* rawRequest(appPort, withCase)
          expect({ name, ...sameAnswer(viaFast) }).toEqual({ name, ...sameAnswer(viaApp) })
          if (viaFast.status === 201) expect(Math.abs(viaFast.json.expiresAt - viaApp.json.expiresAt)).toBeLessThanOrEqual(1)
          return viaFast
        })

      const statuses = new Set<string>()
      for (const [name, request] of Object.entries({ ...fastCases, ...appCases })) {
        const viaFast = yield* send(name, request)
        if (name in fastCases) statuses.add(`${viaFast.status} ${viaFast.json?.code ?? ""}`)
        const given = request.headers?.["x-request-id"]
        if (given === "admin-7.req:1") expect(viaFast.headers["x-request-id"]).toBe(given)
        if (given === "wai_sess_abc") expect(viaFast.headers["x-request-id"]).not.toBe(given)
      }

      // A provisioning the fast path answered left a working token in the wallet's file.
      const provisioned = yield* rawRequest(fastPort, post({ walletId: wallet }, { "x-case": "tokenFile" }))
      const token = fs.readFileSync(provisioned.json.tokenPath, "utf8").trim()
      expect((yield* rawRequest(appPort, { path: "/v1/session", headers: { authorization: `Bearer ${token}` } })).status).toBe(200)

      // Wrong passwords until masterAuth locks: both paths then refuse even the right one with the same 429.
      for (let i = 0; i < 5; i++) yield* rawRequest(appPort, post({ walletId: wallet }, { "x-master-password": `wrong ${i}` }))
      const locked = yield* send("locked", post({ walletId: wallet }))
      statuses.add(`${locked.status} ${locked.json.code}`)
      expect(locked.headers["retry-after"]).toBeDefined()
      // During a lockout the fast path refuses before it looks at the body, as MasterLockoutFastPath does for
      // the other routes (HttpApi would check the body's depth first): this one answer differs on purpose.
      const lockedDeep = yield* rawRequest(fastPort, post(deep, { "content-type": "application/json", "x-case": "lockedDeep" }))
      expect([lockedDeep.status, lockedDeep.json.code]).toEqual([429, "MASTER_PASSWORD_LOCKED"])

      expect(claimed.sort()).toEqual([...Object.keys(fastCases), "locked", "lockedDeep", "tokenFile"].sort())
      expect([...statuses].sort()).toEqual([
        "201 ",
        "400 INVALID_JSON",
        "400 VALIDATION_FAILED",
        "401 INVALID_MASTER_PASSWORD",
        "403 SESSION_LIMIT_EXCEEDED",
        "404 WALLET_NOT_FOUND",
        "410 WALLET_TERMINATED",
        "429 MASTER_PASSWORD_LOCKED"
      ])
    }).pipe(Effect.provide(TempSqliteStack)))
})
