import { describe, expect, it } from "@effect/vitest"
import { MasterPasswordThrottle } from "@waiaas/domain"
import { Clock, Effect, Ref } from "effect"
import { comparable, TempSqliteStack, twoServers } from "../testing/PreRouteHarness.js"
import { rawRequest, type RawRequest, TEST_PASSWORD } from "../testing/TestDaemon.js"
import { MAX_BODY_BYTES } from "./RequestPolicy.js"
import { makeMasterLockoutFastPath } from "./MasterLockoutFastPath.js"

// During a masterAuth lockout, MasterLockoutFastPath answers guesses before the HTTP app. Two servers over
// one database, with and without it: the answers must be the same (the clock is the test's, so both see the
// same remaining lockout), and only master-password requests to masterAuth routes may reach it.

const wallet = "01900000-0000-7000-8000-000000000001"
const withPassword = (password: string, request: RawRequest): RawRequest => ({
  ...request,
  headers: { "x-master-password": password, ...request.headers }
})

const lockedCases: Record<string, RawRequest> = {
  provision: withPassword("guess", { method: "POST", path: "/v1/mcp/tokens", body: { walletId: wallet } }),
  rightPassword: withPassword(TEST_PASSWORD, { method: "POST", path: "/v1/mcp/tokens", body: { walletId: wallet } }),
  emptyPassword: withPassword("", { path: "/v1/wallets" }),
  listWallets: withPassword("guess", { path: "/v1/wallets?limit=3" }),
  oneWallet: withPassword("guess", { path: `/v1/wallets/${wallet}` }),
  badId: withPassword("guess", { method: "DELETE", path: "/v1/sessions/not-an-id" }),
  badBody: withPassword("guess", { method: "POST", path: "/v1/wallets", body: { name: 42 } }),
  rotate: withPassword("guess", { method: "POST", path: "/v1/admin/rotate-secret" }),
  withRequestId: withPassword("guess", { path: "/v1/wallets", headers: { "x-request-id": "admin-7" } })
}
const passedOn: Record<string, RawRequest> = {
  noHeader: { path: "/v1/wallets" },
  agentRoute: withPassword("guess", { path: "/v1/session", headers: { authorization: "Bearer wai_sess_x" } }),
  health: withPassword("guess", { path: "/health" }),
  unknownRoute: withPassword("guess", { method: "POST", path: "/v1/nothing-here", body: {} }),
  wrongMethod: withPassword("guess", { method: "PUT", path: "/v1/admin/rotate-secret" }),
  foreignHost: withPassword("guess", { path: "/v1/wallets", headers: { host: "attacker.example" } })
}

const sendBoth = (ports: { readonly fastPort: number; readonly appPort: number }, cases: Record<string, RawRequest>) =>
  Effect.forEach(Object.entries(cases), ([name, request]) =>
    Effect.gen(function*() {
      const tagged = { ...request, headers: { ...request.headers, "x-case": name } }
      const [viaFast, viaApp] = [yield* rawRequest(ports.fastPort, tagged), yield* rawRequest(ports.appPort, tagged)]
      expect({ name, ...comparable(viaFast) }).toEqual({ name, ...comparable(viaApp) })
      return [name, viaFast] as const
    }))

describe("MasterLockoutFastPath", () => {
  it.scoped("answers master-password requests during a lockout as masterAuth does, and nothing else", () =>
    Effect.gen(function*() {
      const servers = yield* twoServers(makeMasterLockoutFastPath)

      // Not locked: nothing is claimed, and the right password works through the app.
      const open = yield* sendBoth(servers, { notLocked: withPassword(TEST_PASSWORD, { path: "/v1/wallets" }) })
      expect(open[0]![1].status).toBe(200)
      expect(servers.claimed).toEqual([])

      const { state } = yield* MasterPasswordThrottle
      yield* Ref.set(state, { failures: 9, lockedUntilMs: (yield* Clock.currentTimeMillis) + 600_000 })
      const locked = yield* sendBoth(servers, lockedCases)
      for (const [name, answer] of locked) {
        expect({ name, status: answer.status, code: answer.json.code }).toEqual({ name, status: 429, code: "MASTER_PASSWORD_LOCKED" })
        expect(answer.headers["retry-after"]).toBe("600")
      }
      expect(locked.find(([name]) => name === "withRequestId")![1].headers["x-request-id"]).toBe("admin-7")
      yield* sendBoth(servers, passedOn)
      expect(servers.claimed.sort()).toEqual(Object.keys(lockedCases).sort())

      // Decided: during a lockout the guess is refused before its body is read, so even a body over the
      // limit gets the 429 (the app would first answer 413).
      const oversized = yield* rawRequest(
        servers.fastPort,
        withPassword("guess", { method: "POST", path: "/v1/wallets", body: "x".repeat(MAX_BODY_BYTES + 1) })
      )
      expect([oversized.status, oversized.json.code]).toEqual([429, "MASTER_PASSWORD_LOCKED"])

      // Once the lockout is over, guesses go to masterAuth again.
      yield* Ref.set(state, { failures: 9, lockedUntilMs: 0 })
      const after = yield* rawRequest(servers.fastPort, withPassword("guess", { path: "/v1/wallets", headers: { "x-case": "after" } }))
      expect(after.status).toBe(401)
      expect(servers.claimed).not.toContain("after")
    }).pipe(Effect.provide(TempSqliteStack)))
})
