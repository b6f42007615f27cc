import { HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { type DomainEvent, type EventType, Notifier, TOKEN_PREFIX } from "@waiaas/domain"
import { Cause, Data, Duration, Effect, Layer, Queue, Redacted, Schedule, type Scope } from "effect"

// --- Body ---------------------------------------------------------------------------------------------------

/** The event as webhooks receive it: the same shape as an audit-log record, minus its id. */
export interface WebhookEvent {
  readonly type: EventType
  readonly walletId: string | null
  readonly sessionId: string | null
  /** Epoch seconds. */
  readonly at: number
  readonly details: Readonly<Record<string, string | number | boolean>>
}

/**
 * What is POSTed per event: ntfy's JSON publishing format (`topic`, `title`, `message`, `tags`, `priority`;
 * ntfy ignores the rest) plus the structured `event` for any other webhook receiver.
 */
export interface WebhookBody {
  readonly topic?: string
  readonly title: string
  readonly message: string
  readonly tags: ReadonlyArray<string>
  /** ntfy's 1..5; 3 is its default, 4 marks security-relevant events. */
  readonly priority: number
  readonly event: WebhookEvent
}

const sentences: Record<EventType, (wallet: string, session: string) => string> = {
  SESSION_CREATED: (wallet, session) => `Session ${session} was created for wallet ${wallet}.`,
  SESSION_RENEWED: (wallet, session) => `Session ${session} of wallet ${wallet} was renewed.`,
  SESSION_REVOKED: (wallet, session) => `Session ${session} of wallet ${wallet} was revoked.`,
  SESSION_EXPIRED: (wallet, session) => `Session ${session} of wallet ${wallet} expired.`,
  SESSION_REINSTATED: (wallet, session) => `Session ${session} of wallet ${wallet} was reinstated.`,
  MCP_TOKEN_PROVISIONED: (wallet, session) => `An MCP token was provisioned for wallet ${wallet} (session ${session}).`,
  SECRET_ROTATED: () => "The session token signing secret was rotated.",
  MASTER_AUTH_FAILED: () => "A request was refused: wrong or missing master password.",
  WALLET_TERMINATED: (wallet) => `Wallet ${wallet} was terminated.`
}

const securityEvents: ReadonlySet<EventType> = new Set(["MASTER_AUTH_FAILED", "SECRET_ROTATED", "WALLET_TERMINATED"])

/** Events never carry a token (their type says so); this makes sure one put in `details` by mistake is not sent. */
const scrubbed = (value: string | number | boolean) =>
  typeof value === "string" && value.includes(TOKEN_PREFIX) ? "[redacted]" : value

/** The JSON body for `event`, addressed to the ntfy `topic` if one is given. */
export const webhookBody = (event: DomainEvent, topic?: string | undefined): WebhookBody => {
  const details = Object.fromEntries(Object.entries(event.details ?? {}).map(([key, value]) => [key, scrubbed(value)]))
  const facts = Object.entries(details).map(([key, value]) => `${key}: ${value}`).join(", ")
  const sentence = sentences[event.type](event.walletId ?? "(none)", event.sessionId ?? "(none)")
  return {
    ...(topic === undefined ? {} : { topic }),
    title: `WAIaaS: ${event.type}`,
    message: facts === "" ? sentence : `${sentence} (${facts})`,
    tags: ["waiaas", event.type.toLowerCase()],
    priority: securityEvents.has(event.type) ? 4 : 3,
    event: {
      type: event.type,
      walletId: event.walletId ?? null,
      sessionId: event.sessionId ?? null,
      at: event.at,
      details
    }
  }
}

// --- Delivery -------------------------------------------------------------------------------------------------

export interface WebhookOptions {
  /** Absolute http(s) URL; Redacted because such URLs often embed a secret. It is never logged. */
  readonly url: Redacted.Redacted<string>
  /** The ntfy topic put in each body (ntfy's JSON publishing posts to the server root). */
  readonly topic?: string | undefined
  /** Events waiting for delivery; when full, new events are dropped (and logged). Default 1000. */
  readonly queueCapacity?: number | undefined
  /** Per attempt, response body included. Default 5 seconds. */
  readonly requestTimeout?: Duration.DurationInput | undefined
  /** Exponential backoff between attempts: default 0.5 s doubling, at most 30 s apart, 6 attempts in all. */
  readonly retry?: {
    readonly initialDelay?: Duration.DurationInput | undefined
    readonly maxDelay?: Duration.DurationInput | undefined
    readonly attempts?: number | undefined
  } | undefined
}

/** Takes events for the webhook. `offer` returns at once, whatever the receiver does, and never fails. */
export interface WebhookForwarder {
  readonly offer: (event: DomainEvent) => Effect.Effect<void>
}

class DeliveryFailed extends Data.TaggedError("DeliveryFailed")<{
  /** A status code or an error kind; never the URL or a response body. */
  readonly reason: string
  readonly retryable: boolean
}> {}

/** Server trouble and throttling may pass; any other 4xx means the request itself is wrong. */
const isRetryableStatus = (status: number) => status >= 500 || status === 408 || status === 429

/**
 * A forwarder whose one background fiber (living as long as the scope) POSTs the offered events in order,
 * each with a timeout and retries with exponential backoff; after the last attempt it logs and moves on.
 * Delivery is at least once per accepted event (a timed-out request may have arrived after all).
 */
export const makeWebhookForwarder = (
  options: WebhookOptions
): Effect.Effect<WebhookForwarder, never, Scope.Scope | HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const client = (yield* HttpClient.HttpClient).pipe(
      // Spans would record the full URL, and a trace header means nothing to a third party.
      HttpClient.withTracerDisabledWhen(() => true),
      HttpClient.withTracerPropagation(false)
    )
    const url = Redacted.value(options.url)
    const host = URL.canParse(url) ? new URL(url).host : "(invalid URL)"
    const timeout = options.requestTimeout ?? "5 seconds"
    const attempts = Math.max(1, Math.floor(options.retry?.attempts ?? 6))
    const backoff = Schedule.exponential(options.retry?.initialDelay ?? "500 millis", 2).pipe(
      Schedule.union(Schedule.spaced(options.retry?.maxDelay ?? "30 seconds")),
      Schedule.intersect(Schedule.recurs(attempts - 1))
    )

    const attempt = (event: DomainEvent) =>
      Effect.gen(function*() {
        const request = HttpClientRequest.post(url).pipe(
          HttpClientRequest.setHeader("user-agent", "waiaas-daemon"),
          HttpClientRequest.bodyUnsafeJson(webhookBody(event, options.topic))
        )
        const response = yield* client.execute(request)
        // Read (and discard) the body so the connection can be reused.
        yield* Effect.ignore(response.arrayBuffer)
        if (response.status >= 200 && response.status < 300) return
        return yield* new DeliveryFailed({
          reason: `HTTP ${response.status}`,
          retryable: isRetryableStatus(response.status)
        })
      }).pipe(
        Effect.timeoutFail({ duration: timeout, onTimeout: () => new DeliveryFailed({ reason: "timeout", retryable: true }) }),
        Effect.catchTags({
          RequestError: (error) => new DeliveryFailed({ reason: `request error (${error.reason})`, retryable: true }),
          ResponseError: (error) => new DeliveryFailed({ reason: `response error (${error.reason})`, retryable: true })
        })
      )

    const deliver = (event: DomainEvent) =>
      attempt(event).pipe(
        Effect.retry({ schedule: backoff, while: (error) => error.retryable }),
        Effect.catchAll((error) =>
          Effect.logWarning("Webhook delivery failed; the event is not forwarded").pipe(
            Effect.annotateLogs({ eventType: event.type, reason: error.reason })
          )
        ),
        // A defect in one delivery must not end the loop; interruption (the scope closing) must.
        Effect.catchAllCause((cause) =>
          Cause.isInterruptedOnly(cause)
            ? Effect.failCause(cause)
            : Effect.logError("Webhook delivery crashed; the event is not forwarded", cause).pipe(
              Effect.annotateLogs({ eventType: event.type })
            )
        )
      )

    const queue = yield* Effect.acquireRelease(
      Queue.dropping<DomainEvent>(Math.max(1, Math.floor(options.queueCapacity ?? 1000))),
      Queue.shutdown
    )
    yield* Effect.forkScoped(
      Queue.take(queue).pipe(Effect.flatMap(deliver), Effect.forever, Effect.annotateLogs({ webhookHost: host }))
    )

    const offer = (event: DomainEvent): Effect.Effect<void> =>
      Queue.offer(queue, event).pipe(
        Effect.flatMap((accepted) =>
          accepted ? Effect.void : Effect.logWarning("Webhook queue full; event dropped").pipe(
            Effect.annotateLogs({ eventType: event.type, webhookHost: host })
          )
        ),
        // After shutdown the queue interrupts offers: the daemon is stopping, the event is dropped.
        Effect.catchAllCause(() => Effect.void)
      )

    return { offer }
  })

/**
 * Decorates whatever `Notifier` it is provided with: each `notify` also offers the event to the webhook
 * (without waiting for it). Needs an `HttpClient`; `withWebhookLive` brings one.
 */
export const withWebhook = (options: WebhookOptions): Layer.Layer<Notifier, never, Notifier | HttpClient.HttpClient> =>
  Layer.scoped(
    Notifier,
    Effect.gen(function*() {
      const inner = yield* Notifier
      const forwarder = yield* makeWebhookForwarder(options)
      return Notifier.of({ notify: (event) => Effect.zipRight(forwarder.offer(event), inner.notify(event)) })
    })
  )

/** `withWebhook` over its own undici HTTP client (closed with the layer). */
export const withWebhookLive = (options: WebhookOptions): Layer.Layer<Notifier, never, Notifier> =>
  withWebhook(options).pipe(Layer.provide(NodeHttpClient.layerUndici))
