import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Redacted } from "effect"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { DaemonClient } from "./DaemonClient.js"
import { DaemonClientLive } from "./DaemonClientLive.js"
import { ServerConfig } from "./ServerConfig.js"
import { makeToken, SESSION_ID, testConfig, WALLET_ID } from "./testing/Fakes.js"

// A stand-in daemon that answers each request with what the test queued, and records what it received.
interface Seen {
  readonly method: string
  readonly url: string
  readonly authorization: string | undefined
}
const seen: Array<Seen> = []
let next: { status: number; body: string; contentType?: string } = { status: 500, body: "" }
const server = http.createServer((request, response) => {
  seen.push({ method: request.method ?? "", url: request.url ?? "", authorization: request.headers.authorization })
  response.writeHead(next.status, { "content-type": next.contentType ?? "application/json" })
  response.end(next.body)
})
let baseUrl = ""
beforeAll(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => {
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  resolve()
})))
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const answer = (status: number, body: unknown, contentType?: string) => {
  next = { status, body: typeof body === "string" ? body : JSON.stringify(body), ...(contentType ? { contentType } : {}) }
}
const errorBody = (code: string, message: string, extra: Record<string, unknown> = {}) => ({
  code,
  message,
  requestId: "r-1",
  retryable: false,
  ...extra
})

const withClient = <A, E>(f: (client: DaemonClient["Type"]) => Effect.Effect<A, E>, url = baseUrl) =>
  Effect.flatMap(DaemonClient, f).pipe(
    Effect.provide(DaemonClientLive.pipe(Layer.provide(Layer.succeed(ServerConfig, { ...testConfig, baseUrl: url }))))
  )

const token = Redacted.make(makeToken({ iat: 0, exp: 1000 }))

describe("DaemonClientLive (derived from the HttpApi contract)", () => {
  it.live("renews with PUT /v1/sessions/{id}/renew and the bearer token; the new token comes back redacted", () =>
    Effect.gen(function*() {
      const renewed = makeToken({ iat: 600, exp: 1600 })
      answer(200, { id: SESSION_ID, token: renewed, expiresAt: 1600, renewalCount: 1 })
      const result = yield* withClient((client) => client.renew(token, SESSION_ID))
      expect(Redacted.value(result.token)).toBe(renewed)
      expect(result.renewalCount).toBe(1)
      expect(seen.at(-1)).toEqual({
        method: "PUT",
        url: `/v1/sessions/${SESSION_ID}/renew`,
        authorization: `Bearer ${Redacted.value(token)}`
      })
    }))

  it.live("decodes RENEWAL_TOO_EARLY (409) into the tagged error, details included", () =>
    Effect.gen(function*() {
      answer(409, errorBody("RENEWAL_TOO_EARLY", "too early", { retryable: true, details: { retryAfter: 42 } }))
      const result = yield* Effect.either(withClient((client) => client.renew(token, SESSION_ID)))
      expect(Either.isLeft(result) && result.left._tag).toBe("RenewalTooEarly")
      expect(Either.isLeft(result) && "details" in result.left && result.left.details).toEqual({ retryAfter: 42 })
    }))

  it.live("tells 409 SESSION_RENEWAL_MISMATCH apart from 409 RENEWAL_TOO_EARLY by its code", () =>
    Effect.gen(function*() {
      answer(409, errorBody("SESSION_RENEWAL_MISMATCH", "not current"))
      const result = yield* Effect.either(withClient((client) => client.renew(token, SESSION_ID)))
      expect(Either.isLeft(result) && result.left._tag).toBe("SessionRenewalMismatch")
    }))

  it.live("GET /v1/wallet: a 401 SESSION_REVOKED is SessionRevoked", () =>
    Effect.gen(function*() {
      answer(401, errorBody("SESSION_REVOKED", "Session has been revoked"))
      const result = yield* Effect.either(withClient((client) => client.wallet(token)))
      expect(Either.isLeft(result) && result.left._tag).toBe("SessionRevoked")
      expect(seen.at(-1)?.url).toBe("/v1/wallet")
    }))

  it.live("GET /v1/wallet: decodes the wallet", () =>
    Effect.gen(function*() {
      answer(200, {
        id: WALLET_ID,
        name: "Trading Bot",
        chain: "solana",
        network: "devnet",
        status: "ACTIVE",
        serverName: null,
        createdAt: 1,
        updatedAt: 1
      })
      const wallet = yield* withClient((client) => client.wallet(token))
      expect(wallet.name).toBe("Trading Bot")
    }))

  it.live("an answer outside the contract is UnexpectedResponse, saying what came back", () =>
    Effect.gen(function*() {
      answer(502, "<html>bad gateway</html>", "text/html")
      const html = yield* Effect.either(withClient((client) => client.wallet(token)))
      expect(Either.isLeft(html) && html.left._tag === "UnexpectedResponse" && html.left.detail).toBe(
        "HTTP 502 with a body this MCP server does not understand"
      )
      answer(418, errorBody("TEAPOT", "short and stout"))
      const teapot = yield* Effect.either(withClient((client) => client.wallet(token)))
      expect(Either.isLeft(teapot) && teapot.left._tag === "UnexpectedResponse" && teapot.left.detail).toBe(
        "HTTP 418 TEAPOT: short and stout"
      )
    }))

  it.live("a daemon that is not running is DaemonUnreachable, with the socket error", () =>
    Effect.gen(function*() {
      const closed = yield* Effect.promise(() =>
        new Promise<string>((resolve) => {
          const probe = http.createServer()
          probe.listen(0, "127.0.0.1", () => {
            const url = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`
            probe.close(() => resolve(url))
          })
        })
      )
      const result = yield* Effect.either(withClient((client) => client.wallet(token), closed))
      expect(Either.isLeft(result) && result.left._tag === "DaemonUnreachable" && result.left).toEqual(
        expect.objectContaining({ baseUrl: closed, detail: "ECONNREFUSED" })
      )
    }))
})
