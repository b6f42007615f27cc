import { describe, expect, it } from "@effect/vitest"
import {
  nowSeconds,
  Session,
  SessionId,
  SessionRepo,
  TokenClaims,
  TokenSigner,
  WalletId
} from "@waiaas/domain"
import { Effect, Redacted } from "effect"
import { comparable, TempSqliteStack, twoServers } from "../testing/PreRouteHarness.js"
import { rawRequest, type RawRequest } from "../testing/TestDaemon.js"
import { makeSessionFastPath } from "./SessionFastPath.js"

// GET /v1/session is answered by SessionFastPath before the HTTP app. Two servers over one database: `fast`
// with it, `app` without; every request goes to both, and the answers must be the same but for the request
// id, which must be the one in the x-request-id header, and only the requests meant for the fast path may
// reach it.

describe("SessionFastPath", () => {
  it.scopedLive("answers GET /v1/session exactly as the HTTP app does, and leaves every other form to it", () =>
    Effect.gen(function*() {
      const { admin, appPort, claimed, fastPort } = yield* twoServers(makeSessionFastPath)

      const wallet = (yield* admin({ method: "POST", path: "/v1/wallets", body: { name: "Fast Lane" } })).json
      const created = (yield* admin({ method: "POST", path: "/v1/sessions", body: { walletId: wallet.id } })).json
      const revoked = (yield* admin({ method: "POST", path: "/v1/sessions", body: { walletId: wallet.id } })).json
      expect((yield* admin({ method: "DELETE", path: `/v1/sessions/${revoked.id}` })).status).toBe(200)

      // Tokens the API cannot make: a row that expired while its token had not, a token for no session,
      // one superseded by a newer token of its session, and one past its own expiry.
      const signer = yield* TokenSigner
      const sessions = yield* SessionRepo
      const now = yield* nowSeconds
      const sign = (sub: string, exp: number, iat = now - 10) =>
        Effect.map(signer.sign(new TokenClaims({ sub: SessionId.make(sub), wlt: WalletId.make(wallet.id), iat, exp })), Redacted.value)
      const rowExpiredId = "01900000-0000-7000-8000-00000000e001"
      const rowExpiredToken = yield* sign(rowExpiredId, now + 600)
      yield* sessions.insert(new Session({
        id: SessionId.make(rowExpiredId),
        walletId: WalletId.make(wallet.id),
        tokenHash: signer.fingerprint(Redacted.make(rowExpiredToken)),
        source: "api",
        ttl: 300,
        expiresAt: now - 1,
        absoluteExpiresAt: now + 3600,
        renewalCount: 0,
        maxRenewals: 3,
        lastRenewedAt: null,
        revokedAt: null,
        expiredAt: null,
        createdAt: now - 301
      }))
      const unknownSession = yield* sign("01900000-0000-7000-8000-00000000e002", now + 600)
      const superseded = yield* sign(created.id, now + 601)
      const pastExpiry = yield* sign(created.id, now - 1, now - 400)

      const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
      const fastCases: Record<string, RawRequest> = {
        valid: { path: "/v1/session", headers: bearer(created.token) },
        validWithRequestId: { path: "/v1/session", headers: { ...bearer(created.token), "x-request-id": "agent-42.req:7" } },
        tokenLikeRequestId: { path: "/v1/session", headers: { ...bearer(created.token), "x-request-id": "wai_sess_abc" } },
        revoked: { path: "/v1/session", headers: bearer(revoked.token) },
        rowExpired: { path: "/v1/session", headers: bearer(rowExpiredToken) },
        unknownSession: { path: "/v1/session", headers: bearer(unknownSession) },
        superseded: { path: "/v1/session", headers: bearer(superseded) },
        pastExpiry: { path: "/v1/session", headers: bearer(pastExpiry) },
        notOurs: { path: "/v1/session", headers: bearer("wai_sess_abc") },
        noPrefix: { path: "/v1/session", headers: bearer(created.token.slice("wai_sess_".length)) },
        localhost: { path: "/v1/session", headers: { ...bearer(created.token), host: "localhost" } }
      }
      const appCases: Record<string, RawRequest> = {
        query: { path: "/v1/session?verbose=1", headers: bearer(created.token) },
        head: { method: "HEAD", path: "/v1/session", headers: bearer(created.token) },
        post: { method: "POST", path: "/v1/session", headers: bearer(created.token), body: {} },
        withBody: { path: "/v1/session", headers: bearer(created.token), body: "{}" },
        noAuthorization: { path: "/v1/session" },
        empty: { path: "/v1/session", headers: { authorization: "Bearer " } }, // Node trims it to "Bearer"
        basic: { path: "/v1/session", headers: { authorization: "Basic dXNlcjpwYXNz" } },
        foreignHost: { path: "/v1/session", headers: { ...bearer(created.token), host: "evil.example:80" } },
        trailingSlash: { path: "/v1/session/", headers: bearer(created.token) },
        wallet: { path: "/v1/wallet", headers: bearer(created.token) }
      }
      const cases = { ...fastCases, ...appCases }
      for (const [name, request] of Object.entries(cases)) {
        const withCase = { ...request, headers: { ...request.headers, "x-case": name } }
        const [viaFast, viaApp] = [yield* rawRequest(fastPort, withCase), yield* rawRequest(appPort, withCase)]
        expect({ name, ...comparable(viaFast) }).toEqual({ name, ...comparable(viaApp) })
        const given = request.headers?.["x-request-id"]
        if (given === "agent-42.req:7") expect(viaFast.headers["x-request-id"]).toBe(given)
        if (given === "wai_sess_abc") expect(viaFast.headers["x-request-id"]).not.toBe(given)
      }
      expect(claimed.sort()).toEqual(Object.keys(fastCases).sort())
      // The statuses cover success and each failure sessionAuth declares.
      const statuses = new Set<string>()
      for (const request of Object.values(fastCases)) {
        const answer = yield* rawRequest(fastPort, request)
        statuses.add(`${answer.status} ${answer.json?.code ?? ""}`)
      }
      expect([...statuses].sort()).toEqual(["200 ", "401 INVALID_TOKEN", "401 SESSION_REVOKED", "401 TOKEN_EXPIRED"])
    }).pipe(Effect.provide(TempSqliteStack)))
})
