import { HttpClient, type HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { makeDaemonClient } from "./DaemonClient.js"

const BASE = "http://127.0.0.1:3100"
const PASSWORD = "s3cret password"

/** An HttpClient that answers every request with `respond`, and remembers the requests. */
const fakeDaemon = (respond: (request: HttpClientRequest.HttpClientRequest) => Response) => {
  const seen: Array<HttpClientRequest.HttpClientRequest> = []
  const client = HttpClient.make((request) =>
    Effect.sync(() => {
      seen.push(request)
      return HttpClientResponse.fromWeb(request, respond(request))
    })
  )
  return { seen, layer: Effect.provideService(HttpClient.HttpClient, client) }
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } })

const errorBody = (code: string, message: string, hint?: string) => ({
  code,
  message,
  requestId: "r1",
  retryable: false,
  ...(hint === undefined ? {} : { hint })
})

describe("DaemonClient", () => {
  it.effect("sends X-Master-Password on admin requests only", () => {
    const daemon = fakeDaemon((request) =>
      request.url.endsWith("/health") ? json(200, { status: "ok", version: "0.1.0", uptime: 5 }) : json(200, { items: [] })
    )
    return Effect.gen(function*() {
      const client = yield* makeDaemonClient(BASE)
      expect(yield* client.health).toEqual({ status: "ok", version: "0.1.0", uptime: 5 })
      expect(yield* client.withPassword(Redacted.make(PASSWORD)).listWallets).toEqual([])
      expect(daemon.seen.map((r) => [r.url, r.headers["x-master-password"]])).toEqual([
        [`${BASE}/health`, undefined],
        [`${BASE}/v1/wallets`, PASSWORD]
      ])
    }).pipe(daemon.layer)
  })

  it.effect("a declared error reads as the daemon's message and hint", () => {
    const daemon = fakeDaemon(() => json(401, errorBody("INVALID_MASTER_PASSWORD", "Invalid master password")))
    return Effect.gen(function*() {
      const client = yield* makeDaemonClient(BASE)
      const error = yield* Effect.flip(client.withPassword(Redacted.make(PASSWORD)).listWallets)
      expect(error.message).toBe("Invalid master password — Send the daemon's master password in the X-Master-Password header.")
      expect(error.message).not.toContain(PASSWORD)
    }).pipe(daemon.layer)
  })

  it.effect("an error the contract does not declare still reads as its message and hint", () => {
    const daemon = fakeDaemon(() => json(418, errorBody("NEWER_ERROR", "Something new happened.", "Upgrade the CLI.")))
    return Effect.gen(function*() {
      const client = yield* makeDaemonClient(BASE)
      const error = yield* Effect.flip(client.withPassword(Redacted.make(PASSWORD)).listMcpTokens)
      expect(error).toMatchObject({ _tag: "DaemonRequestFailed", code: "NEWER_ERROR" })
      expect(error.message).toBe("Something new happened — Upgrade the CLI.")
    }).pipe(daemon.layer)
  })

  it.effect("a retryAfter in the details is said in seconds", () => {
    const daemon = fakeDaemon(() =>
      json(429, { ...errorBody("MASTER_PASSWORD_LOCKED", "Too many wrong master passwords"), details: { retryAfter: 29.5 } })
    )
    return Effect.gen(function*() {
      const client = yield* makeDaemonClient(BASE)
      const error = yield* Effect.flip(client.withPassword(Redacted.make(PASSWORD)).listWallets)
      expect(error.message).toMatch(/^Too many wrong master passwords — .* \(retry after: 30 s\)$/)
    }).pipe(daemon.layer)
  })

  it.effect("a response that is no error body says what came back", () => {
    const daemon = fakeDaemon(() => new Response("<html>Bad gateway</html>", { status: 502 }))
    return Effect.gen(function*() {
      const client = yield* makeDaemonClient(BASE)
      const error = yield* Effect.flip(client.withPassword(Redacted.make(PASSWORD)).listWallets)
      expect(error.message).toBe(
        "The daemon answered HTTP 502 to GET /v1/wallets, which this CLI does not understand (is it the same version?)"
      )
    }).pipe(daemon.layer)
  })

  it.effect("something other than the daemon on /health is told apart from a daemon that is down", () => {
    const daemon = fakeDaemon(() => new Response("<html>Not found</html>", { status: 404 }))
    return Effect.gen(function*() {
      const client = yield* makeDaemonClient(BASE)
      const error = yield* Effect.flip(client.health)
      expect(error.message).toMatch(/^Something answers at http:\/\/127\.0\.0\.1:3100, but not as a WAIaaS daemon: /)
    }).pipe(daemon.layer)
  })
})
