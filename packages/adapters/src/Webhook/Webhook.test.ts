import { createServer, type IncomingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"
import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { type DomainEvent, Notifier, SessionId, WalletId } from "@waiaas/domain"
import { Context, Effect, HashMap, Layer, List, Logger, LogLevel, Redacted, Ref } from "effect"
import { makeWebhookForwarder, webhookBody, type WebhookOptions, withWebhook, withWebhookLive } from "./Webhook.js"

const walletA = WalletId.make("01977a5e-2c00-7000-8000-0000000000aa")
const sessionA = SessionId.make("01977a5e-2c00-7000-8000-00000000000a")

/** Distinct events (by `at`), so order and duplicates are visible. */
const eventsFrom = (count: number, offset = 0): ReadonlyArray<DomainEvent> =>
  Array.from({ length: count }, (_, i) => ({
    type: "SESSION_CREATED",
    walletId: walletA,
    sessionId: sessionA,
    at: 1_750_000_000 + offset + i
  }))

interface Deferred<A> {
  readonly promise: Promise<A>
  readonly resolve: (value: A) => void
}
const deferred = <A>(): Deferred<A> => {
  let resolve!: (value: A) => void
  const promise = new Promise<A>((r) => (resolve = r))
  return { promise, resolve }
}

interface Received {
  readonly raw: string
  readonly headers: IncomingHttpHeaders
  readonly path: string
}

/**
 * A real HTTP server on a random loopback port. `answer(i)` gives the status for the i-th request (from 0),
 * possibly later (a pending promise is a receiver that hangs). `accepted` holds the bodies answered 2xx.
 */
const startSink = (answer: (index: number) => number | Promise<number>) =>
  Effect.acquireRelease(
    Effect.async<{
      readonly url: string
      readonly requests: Array<Received>
      readonly accepted: Array<Received>
      readonly server: ReturnType<typeof createServer>
    }>((resume) => {
      const requests: Array<Received> = []
      const accepted: Array<Received> = []
      const server = createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (chunk: Buffer) => chunks.push(chunk))
        req.on("end", () => {
          const received = { raw: Buffer.concat(chunks).toString("utf8"), headers: req.headers, path: req.url ?? "" }
          const index = requests.push(received) - 1
          void Promise.resolve(answer(index)).then((status) => {
            if (status >= 200 && status < 300) accepted.push(received)
            res.writeHead(status, { "content-type": "text/plain" }).end(`status ${status}`)
          })
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ url: `http://127.0.0.1:${port}/hook/s3cret-path`, requests, accepted, server }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

/** Polls (real time) until `check` holds; fails the test after 3 s. */
const eventually = (what: string, check: () => boolean) =>
  Effect.gen(function*() {
    const deadline = Date.now() + 3000
    while (!check()) {
      if (Date.now() > deadline) return yield* Effect.dieMessage(`timed out waiting until ${what}`)
      yield* Effect.sleep("5 millis")
    }
  })

const fast = (url: string, extra: Partial<WebhookOptions> = {}): WebhookOptions => ({
  url: Redacted.make(url),
  retry: { initialDelay: "10 millis", maxDelay: "40 millis", attempts: 6 },
  ...extra
})

/** What the decorated (inner) notifier received; the decorator is generic, so any Notifier will do. */
class InnerEvents extends Context.Tag("test/InnerEvents")<InnerEvents, Ref.Ref<ReadonlyArray<DomainEvent>>>() {}

const RecordingNotifier: Layer.Layer<Notifier | InnerEvents> = Layer.effectContext(
  Effect.gen(function*() {
    const events = yield* Ref.make<ReadonlyArray<DomainEvent>>([])
    return Context.make(InnerEvents, events).pipe(
      Context.add(Notifier, Notifier.of({ notify: (event) => Ref.update(events, (all) => [...all, event]) }))
    )
  })
)

/** The webhook over a recording notifier, with undici as the live daemon uses. */
const stack = (options: WebhookOptions) => withWebhookLive(options).pipe(Layer.provideMerge(RecordingNotifier))

const notifyAll = (events: ReadonlyArray<DomainEvent>) =>
  Effect.flatMap(Notifier, (notifier) => Effect.forEach(events, notifier.notify, { discard: true }))

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = performance.now()
    const result = yield* effect
    return [result, performance.now() - start] as const
  })

const atOf = (received: ReadonlyArray<Received>) => received.map((r) => JSON.parse(r.raw).event.at as number)

interface CapturedLog {
  readonly level: string
  readonly message: unknown
  readonly annotations: Record<string, unknown>
}
const captureLogs = () => {
  const captured: Array<CapturedLog> = []
  const logger = Logger.make<unknown, void>(({ annotations, logLevel, message }) => {
    captured.push({
      level: logLevel.label,
      message: List.isList(message) ? List.toArray(message) : message,
      annotations: Object.fromEntries(HashMap.toEntries(annotations))
    })
  })
  const provide = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    effect.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)), Logger.withMinimumLogLevel(LogLevel.All))
  return { captured, provide }
}
const messagesOf = (captured: ReadonlyArray<CapturedLog>, text: string) =>
  captured.filter((entry) => JSON.stringify(entry.message).includes(text))

describe("webhookBody", () => {
  it("is ntfy's JSON publish format plus the structured event", () => {
    const body = webhookBody(
      { type: "MCP_TOKEN_PROVISIONED", walletId: walletA, sessionId: sessionA, at: 1_750_000_000, details: { ttl: 3600 } },
      "waiaas-alerts"
    )
    expect(body).toStrictEqual({
      topic: "waiaas-alerts",
      title: "WAIaaS: MCP_TOKEN_PROVISIONED",
      message: `An MCP token was provisioned for wallet ${walletA} (session ${sessionA}). (ttl: 3600)`,
      tags: ["waiaas", "mcp_token_provisioned"],
      priority: 3,
      event: {
        type: "MCP_TOKEN_PROVISIONED",
        walletId: walletA,
        sessionId: sessionA,
        at: 1_750_000_000,
        details: { ttl: 3600 }
      }
    })
  })

  it("has no topic key without a topic, null ids when the event has none, priority 4 for security events", () => {
    const body = webhookBody({ type: "SECRET_ROTATED", at: 5, details: { resignedMcpTokens: 2 } })
    expect(body).not.toHaveProperty("topic")
    expect(body.event).toStrictEqual({
      type: "SECRET_ROTATED",
      walletId: null,
      sessionId: null,
      at: 5,
      details: { resignedMcpTokens: 2 }
    })
    expect(body.priority).toBe(4)
    expect(body.message).toBe("The session token signing secret was rotated. (resignedMcpTokens: 2)")
    expect(webhookBody({ type: "MASTER_AUTH_FAILED", at: 5 }).priority).toBe(4)
  })

  it("never carries a token, even one put in details by mistake", () => {
    const token = "wai_sess_eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
    const body = webhookBody({ type: "SESSION_RENEWED", walletId: walletA, sessionId: sessionA, at: 5, details: { token } })
    expect(JSON.stringify(body)).not.toContain("wai_sess_")
    expect(body.event.details).toStrictEqual({ token: "[redacted]" })
  })
})

describe("withWebhook", () => {
  it.scopedLive("every event arrives exactly once and in order while the receiver fails, then recovers", () =>
    Effect.gen(function*() {
      const sink = yield* startSink((i) => (i < 3 ? 500 : 200))
      const events = eventsFrom(5)
      yield* Effect.gen(function*() {
        yield* notifyAll(events)
        yield* eventually("all events are accepted", () => sink.accepted.length === events.length)
        yield* Effect.sleep("100 millis") // time enough for a stray duplicate
      }).pipe(Effect.provide(stack(fast(sink.url))))
      expect(atOf(sink.accepted)).toEqual(events.map((e) => e.at))
      expect(sink.requests).toHaveLength(events.length + 3)
      expect(atOf(sink.requests.slice(0, 4))).toEqual([events[0]!.at, events[0]!.at, events[0]!.at, events[0]!.at])
    }))

  it.scopedLive("notify returns at once while the receiver is failing, and the inner notifier still gets every event", () =>
    Effect.gen(function*() {
      let recovered = false
      const sink = yield* startSink(() => (recovered ? 200 : 503))
      const events = eventsFrom(6)
      yield* Effect.gen(function*() {
        yield* notifyAll(events.slice(0, 1))
        yield* eventually("the receiver has failed twice", () => sink.requests.length >= 2)
        const [, elapsedMs] = yield* timed(notifyAll(events.slice(1)))
        // Returned while nothing has been accepted yet: the caller did not wait for the receiver.
        expect(sink.accepted).toHaveLength(0)
        expect(elapsedMs).toBeLessThan(250)
        expect(yield* Ref.get(yield* InnerEvents)).toEqual(events)
        recovered = true
        yield* eventually("all events are accepted", () => sink.accepted.length === events.length)
      }).pipe(Effect.provide(stack(fast(sink.url, { retry: { initialDelay: "20 millis", maxDelay: "20 millis", attempts: 100 } }))))
      expect(atOf(sink.accepted)).toEqual(events.map((e) => e.at))
    }))

  it.scopedLive("a full queue drops new events (logged) without blocking; the queued ones still arrive", () =>
    Effect.gen(function*() {
      const release = deferred<number>()
      const sink = yield* startSink((i) => (i === 0 ? release.promise : 200))
      const events = eventsFrom(10)
      const logs = captureLogs()
      yield* logs.provide(
        Effect.gen(function*() {
          yield* notifyAll(events.slice(0, 1))
          yield* eventually("the first event is in flight", () => sink.requests.length === 1)
          // In flight: event 0. Queue (capacity 2): events 1 and 2. Dropped: events 3..9.
          const [, elapsedMs] = yield* timed(notifyAll(events.slice(1)))
          expect(elapsedMs).toBeLessThan(250)
          release.resolve(200)
          yield* eventually("three events are accepted", () => sink.accepted.length === 3)
          yield* Effect.sleep("100 millis")
        }).pipe(Effect.provide(stack(fast(sink.url, { queueCapacity: 2 }))))
      )
      expect(atOf(sink.accepted)).toEqual(events.slice(0, 3).map((e) => e.at))
      expect(sink.requests).toHaveLength(3)
      const dropped = messagesOf(logs.captured, "Webhook queue full; event dropped")
      expect(dropped).toHaveLength(7)
      expect(dropped.every((entry) => entry.level === "WARN" && entry.annotations.eventType === "SESSION_CREATED")).toBe(true)
    }))

  it.scopedLive("the body is ntfy-compatible JSON with the topic, and carries no token or password", () =>
    Effect.gen(function*() {
      const sink = yield* startSink(() => 200)
      const event: DomainEvent = {
        type: "SESSION_CREATED",
        walletId: walletA,
        sessionId: sessionA,
        at: 1_750_000_000,
        details: { source: "mcp", leaked: "wai_sess_aaa.bbb.ccc" }
      }
      yield* notifyAll([event]).pipe(
        Effect.zipRight(eventually("the event is accepted", () => sink.accepted.length === 1)),
        Effect.provide(stack(fast(sink.url, { topic: "waiaas-alerts" })))
      )
      const [received] = sink.accepted
      expect(received!.headers["content-type"]).toBe("application/json")
      expect(received!.path).toBe("/hook/s3cret-path")
      expect(JSON.parse(received!.raw)).toStrictEqual({
        topic: "waiaas-alerts",
        title: "WAIaaS: SESSION_CREATED",
        message: `Session ${sessionA} was created for wallet ${walletA}. (source: mcp, leaked: [redacted])`,
        tags: ["waiaas", "session_created"],
        priority: 3,
        event: {
          type: "SESSION_CREATED",
          walletId: walletA,
          sessionId: sessionA,
          at: 1_750_000_000,
          details: { source: "mcp", leaked: "[redacted]" }
        }
      })
      expect(received!.raw).not.toContain("wai_sess_")
      expect(received!.raw.toLowerCase()).not.toContain("password")
      expect(received!.headers).not.toHaveProperty("traceparent")
    }))

  it.scopedLive("after the last attempt an event is given up (logged, without the URL) and the next one is delivered", () =>
    Effect.gen(function*() {
      const sink = yield* startSink((i) => (i < 3 ? 500 : 200))
      const events = eventsFrom(3)
      const logs = captureLogs()
      yield* logs.provide(
        notifyAll(events).pipe(
          Effect.zipRight(eventually("two events are accepted", () => sink.accepted.length === 2)),
          Effect.provide(stack(fast(sink.url, { retry: { initialDelay: "10 millis", attempts: 2 } })))
        )
      )
      // Event 0: two attempts, both 500, given up. Event 1: 500, then 200. Event 2: 200.
      expect(atOf(sink.requests)).toEqual([events[0]!.at, events[0]!.at, events[1]!.at, events[1]!.at, events[2]!.at])
      expect(atOf(sink.accepted)).toEqual([events[1]!.at, events[2]!.at])
      const failed = messagesOf(logs.captured, "Webhook delivery failed")
      expect(failed).toHaveLength(1)
      expect(failed[0]!.annotations).toMatchObject({ eventType: "SESSION_CREATED", reason: "HTTP 500" })
      expect(JSON.stringify(logs.captured)).not.toContain("s3cret")
    }))

  it.scopedLive("a 4xx other than 408 and 429 is not retried", () =>
    Effect.gen(function*() {
      const sink = yield* startSink((i) => (i === 0 ? 400 : i === 1 ? 429 : 200))
      const events = eventsFrom(2)
      yield* notifyAll(events).pipe(
        Effect.zipRight(eventually("one event is accepted", () => sink.accepted.length === 1)),
        Effect.zipRight(Effect.sleep("50 millis")),
        Effect.provide(stack(fast(sink.url)))
      )
      expect(atOf(sink.requests)).toEqual([events[0]!.at, events[1]!.at, events[1]!.at])
      expect(atOf(sink.accepted)).toEqual([events[1]!.at])
    }))

  it.scopedLive("a receiver that hangs is cut off by the request timeout, and the event retried", () =>
    Effect.gen(function*() {
      const sink = yield* startSink((i) => (i === 0 ? new Promise<number>(() => {}) : 200))
      const [event] = eventsFrom(1)
      const [, elapsedMs] = yield* timed(
        notifyAll([event!]).pipe(
          Effect.zipRight(eventually("the event is accepted", () => sink.accepted.length === 1)),
          Effect.provide(stack(fast(sink.url, { requestTimeout: "100 millis" })))
        )
      )
      expect(sink.requests).toHaveLength(2)
      expect(atOf(sink.accepted)).toEqual([event!.at])
      expect(elapsedMs).toBeGreaterThanOrEqual(100)
    }))

  it.scopedLive("a receiver that cannot be reached is retried, then given up, without failing anyone", () =>
    Effect.gen(function*() {
      const sink = yield* startSink(() => 200)
      const url = sink.url
      yield* Effect.async<void>((resume) => {
        sink.server.close(() => resume(Effect.void))
      })
      const logs = captureLogs()
      yield* logs.provide(
        notifyAll(eventsFrom(1)).pipe(
          Effect.zipRight(eventually("the event is given up", () =>
            messagesOf(logs.captured, "Webhook delivery failed").length === 1)),
          Effect.provide(stack(fast(url, { retry: { initialDelay: "5 millis", attempts: 3 } })))
        )
      )
      const [failed] = messagesOf(logs.captured, "Webhook delivery failed")
      expect(failed!.annotations.reason).toBe("request error (Transport)")
      expect(JSON.stringify(logs.captured)).not.toContain("s3cret")
    }))

  it.scopedLive("works over any HttpClient, and makeWebhookForwarder can be used on its own", () =>
    Effect.gen(function*() {
      const sink = yield* startSink(() => 200)
      const events = eventsFrom(3)
      yield* Effect.gen(function*() {
        const forwarder = yield* makeWebhookForwarder(fast(sink.url))
        yield* Effect.forEach(events, forwarder.offer, { discard: true })
        yield* eventually("all events are accepted", () => sink.accepted.length === 3)
      }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer))
      yield* notifyAll(eventsFrom(1, 100)).pipe(
        Effect.zipRight(eventually("the notified event is accepted", () => sink.accepted.length === 4)),
        Effect.provide(withWebhook(fast(sink.url)).pipe(Layer.provide(RecordingNotifier), Layer.provide(FetchHttpClient.layer)))
      )
      expect(atOf(sink.accepted)).toEqual([...events.map((e) => e.at), 1_750_000_100])
    }))
})
