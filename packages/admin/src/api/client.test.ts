import { describe, expect, it } from "vitest"
import type { WalletId } from "@waiaas/domain/Ids"
import { ApiError, retryAfterOf } from "./ApiError.js"
import { createApi } from "./client.js"

const WALLET_ID = "01970000-0000-7000-8000-000000000001" as WalletId

interface Seen {
  readonly url: string
  readonly method: string
  readonly headers: Headers
  readonly body: string | undefined
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } })

const errorBody = (code: string, message: string, extra: Record<string, unknown> = {}) => ({
  code,
  message,
  requestId: "req-1",
  retryable: false,
  ...extra
})

const wallet = {
  id: WALLET_ID,
  name: "Trading bot",
  chain: "solana",
  network: "devnet",
  status: "ACTIVE",
  serverName: null,
  createdAt: 1_700_000_000,
  updatedAt: 1_700_000_000
}

/** An api over a fake fetch that answers with `respond` and records every request. */
const harness = (respond: (seen: Seen) => Response | Promise<Response>, password: string | undefined = "pw") => {
  const seen: Array<Seen> = []
  const events: Array<string> = []
  const api = createApi({
    baseUrl: "http://127.0.0.1:3100",
    password: () => password,
    onUnauthorized: (error) => events.push(`unauthorized:${error.code}`),
    onUnreachable: (error) => events.push(`unreachable:${error.code}`),
    onReachable: () => events.push("reachable"),
    timeoutMs: 200,
    fetch: async (input, init) => {
      const request = new Request(input, init)
      const entry = {
        url: request.url,
        method: request.method,
        headers: request.headers,
        body: init?.body === undefined ? undefined : await request.text()
      }
      seen.push(entry)
      return respond(entry)
    }
  })
  return { api, seen, events }
}

const failure = async (promise: Promise<unknown>): Promise<ApiError> => {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError)
    return error as ApiError
  }
  throw new Error("expected the call to fail")
}

describe("Admin API client (derived from the HttpApi contract)", () => {
  it("sends the master password as X-Master-Password and decodes the wallet list", async () => {
    const { api, seen } = harness(() => json(200, { items: [wallet] }))
    const wallets = await api.wallets.list()
    expect(wallets.map((w) => w.name)).toEqual(["Trading bot"])
    expect(seen[0]!.url).toBe("http://127.0.0.1:3100/v1/wallets")
    expect(seen[0]!.headers.get("x-master-password")).toBe("pw")
    expect(seen[0]!.headers.get("traceparent")).toBeNull()
  })

  it("sends no password to the public health route", async () => {
    const { api, seen } = harness(() => json(200, { status: "ok", version: "0.1.0", uptime: 3 }))
    expect((await api.health()).status).toBe("ok")
    expect(seen[0]!.headers.get("x-master-password")).toBeNull()
  })

  it("turns a 401 into an ApiError with the API's message and hint, and reports it", async () => {
    const { api, events } = harness(() =>
      json(401, errorBody("INVALID_MASTER_PASSWORD", "Invalid master password", { hint: "Send the password." }))
    )
    const error = await failure(api.wallets.list())
    expect(error).toMatchObject({
      kind: "api",
      status: 401,
      code: "INVALID_MASTER_PASSWORD",
      message: "Invalid master password",
      hint: "Send the password.",
      requestId: "req-1",
      tag: "InvalidMasterPassword"
    })
    expect(events).toEqual(["reachable", "unauthorized:INVALID_MASTER_PASSWORD"])
  })

  it("login uses the password it is given and does not report its 401 as a logout", async () => {
    const { api, seen, events } = harness(() => json(401, errorBody("INVALID_MASTER_PASSWORD", "Invalid master password")), undefined)
    const error = await failure(api.login("wrong"))
    expect(error.code).toBe("INVALID_MASTER_PASSWORD")
    expect(seen[0]!.headers.get("x-master-password")).toBe("wrong")
    expect(events).toEqual(["reachable"])
  })

  it("decodes a declared error to its contract class and keeps details and retryAfter", async () => {
    const { api } = harness(() =>
      json(429, errorBody("ROTATION_TOO_RECENT", "rotate again in 120 seconds", { retryable: true, details: { retryAfter: 120 } }))
    )
    const error = await failure(api.admin.rotateSecret())
    expect(error).toMatchObject({ tag: "RotationTooRecent", code: "ROTATION_TOO_RECENT", retryAfter: 120, retryable: true })
  })

  it("decodes the lockout (429) and says when to retry", async () => {
    const { api } = harness(() =>
      json(429, errorBody("MASTER_PASSWORD_LOCKED", "Too many failed attempts", { details: { retryAfter: 90 } }))
    )
    const error = await failure(api.login("guess"))
    expect(error).toMatchObject({ status: 429, code: "MASTER_PASSWORD_LOCKED", retryAfter: 90, tag: "MasterPasswordLocked" })
  })

  it("keeps a status the contract does not declare for the route, with Retry-After", async () => {
    const { api } = harness(() => json(503, errorBody("BUSY", "Try later"), { "retry-after": "90" }))
    const error = await failure(api.wallets.list())
    expect(error).toMatchObject({ kind: "api", status: 503, code: "BUSY", retryAfter: 90, tag: undefined })
  })

  it("keeps an undeclared code on a declared status (the body is read before the contract decodes it)", async () => {
    const { api } = harness(() => json(404, errorBody("SOMETHING_NEW", "A newer daemon's error", { hint: "h" })))
    const error = await failure(api.wallets.get(WALLET_ID))
    expect(error).toMatchObject({ kind: "api", status: 404, code: "SOMETHING_NEW", message: "A newer daemon's error", hint: "h" })
  })

  it("reports a daemon that does not answer as unreachable", async () => {
    const { api, events } = harness(() => Promise.reject(new TypeError("Failed to fetch")))
    const error = await failure(api.wallets.list())
    expect(error).toMatchObject({ kind: "unreachable", code: "DAEMON_UNREACHABLE" })
    expect(events).toEqual(["unreachable:DAEMON_UNREACHABLE"])
  })

  it("times out a call that hangs", async () => {
    const { api } = harness(() => new Promise<Response>(() => {}))
    const error = await failure(api.wallets.list())
    expect(error).toMatchObject({ kind: "unreachable", code: "DAEMON_TIMEOUT" })
  })

  it("refuses input the contract refuses, without sending it", async () => {
    const { api, seen } = harness(() => json(201, wallet))
    const error = await failure(api.wallets.create({ name: "" }))
    expect(error.kind).toBe("invalid")
    expect(error.message).toMatch(/name/)
    expect(seen).toHaveLength(0)
  })

  it("sends the TTL and the event cursor as the contract says", async () => {
    const { api, seen } = harness((request) =>
      request.url.includes("/v1/admin/events")
        ? json(200, { items: [], nextCursor: null })
        : json(404, errorBody("WALLET_NOT_FOUND", "Wallet not found"))
    )
    await failure(api.mcp.provision(WALLET_ID, 3600))
    expect(JSON.parse(seen[0]!.body!)).toEqual({ walletId: WALLET_ID, expiresIn: 3600 })
    await api.admin.events({ limit: 25, cursor: "evt-9" as never })
    expect(new URL(seen[1]!.url).search).toBe("?limit=25&cursor=evt-9")
  })

  it("says when an answer does not match the contract", async () => {
    const { api } = harness(() => json(200, { wallets: [] }))
    const error = await failure(api.wallets.list())
    expect(error).toMatchObject({ kind: "unexpected", code: "UNEXPECTED_RESPONSE" })
  })
})

describe("retryAfterOf", () => {
  const now = 1_700_000_000_000
  it("prefers details.retryAfter, then an absolute time, then the header", () => {
    expect(retryAfterOf({ retryAfter: 12.2 }, "99", now)).toBe(13)
    expect(retryAfterOf({ lockedUntil: now / 1000 + 30 }, undefined, now)).toBe(30)
    expect(retryAfterOf({ reason: "wrong", failures: 5, lockedForSeconds: 1 }, undefined, now)).toBe(1)
    expect(retryAfterOf(undefined, "45", now)).toBe(45)
    expect(retryAfterOf(undefined, new Date(now + 60_000).toUTCString(), now)).toBe(60)
    expect(retryAfterOf(undefined, undefined, now)).toBeUndefined()
  })
})
