import { HttpClient, HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { type DomainEvent, EventLog, Notifier, Transaction, WalletRepo } from "@waiaas/domain"
import { Context, Effect, Layer, Redacted, Ref } from "effect"
import { eventLogContract, eventNumber } from "../EventLog/EventLog.contract.js"
import { EventLogMemory } from "../EventLog/Memory.js"
import { EventLogSqlite } from "../EventLog/Sqlite.js"
import { IdGeneratorSequential } from "../IdGenerator/Sequential.js"
import { MemoryStore, type MemoryState } from "../MemoryStore.js"
import { SqliteDatabase } from "../Sql/SqliteDatabase.js"
import { makeWallet } from "../testing/fixtures.js"
import { TempSqliteLive } from "../testing/TempSqlite.js"
import { TransactionMemory } from "../Transaction/Memory.js"
import { TransactionSqlite } from "../Transaction/Sqlite.js"
import { WalletRepoMemory } from "../WalletRepo/Memory.js"
import { WalletRepoSqlite } from "../WalletRepo/Sqlite.js"
import { withWebhook } from "../Webhook/Webhook.js"
import { forwardAfterCommit } from "./Forwarding.js"
import { NotifierMemory } from "./Memory.js"
import { notifierContract } from "./Notifier.contract.js"
import { NotifierSqlite } from "./Sqlite.js"

/** What the forwarding decorator sent out, in order. */
class Forwarded extends Context.Tag("test/Forwarded")<Forwarded, Ref.Ref<ReadonlyArray<DomainEvent>>>() {}

/** A decorator shaped like withWebhook (forward, then hand to the inner notifier), forwarding into `Forwarded`. */
const forwardingInto = Layer.effect(
  Notifier,
  Effect.gen(function*() {
    const inner = yield* Notifier
    const forwarded = yield* Forwarded
    return Notifier.of({ notify: (event) => Effect.zipRight(Ref.update(forwarded, (all) => [...all, event]), inner.notify(event)) })
  })
)

const ForwardedRef = Layer.effect(Forwarded, Ref.make<ReadonlyArray<DomainEvent>>([]))

// Recording is the wrapped notifier's, unchanged: the same suites pass through the wrapper.
const forwardingOver = <E, R>(recording: Layer.Layer<Notifier, E, R>) =>
  forwardAfterCommit(forwardingInto).pipe(Layer.provide(recording), Layer.provide(ForwardedRef))

notifierContract("sqlite, forwarding after commit", () =>
  forwardingOver(NotifierSqlite).pipe(Layer.provide([TempSqliteLive, IdGeneratorSequential])))

eventLogContract("sqlite, forwarding after commit", {
  make: (ids) =>
    Layer.mergeAll(forwardingOver(NotifierSqlite), EventLogSqlite).pipe(Layer.provide([TempSqliteLive, ids])),
  makeBroken: () =>
    Layer.merge(
      forwardingOver(NotifierSqlite),
      Layer.effectDiscard(Effect.flatMap(SqliteDatabase, (db) => db.execute("DROP TABLE events")))
    ).pipe(Layer.provide([TempSqliteLive, IdGeneratorSequential]))
})

eventLogContract("memory, forwarding after commit", {
  make: (ids) =>
    Layer.mergeAll(forwardingOver(NotifierMemory), EventLogMemory).pipe(Layer.provide([MemoryStore.layer, ids])),
  makeBroken: () =>
    forwardingOver(NotifierMemory).pipe(Layer.provide([
      Layer.effect(
        MemoryStore,
        Effect.map(
          Ref.make<MemoryState>({ wallets: new Map(), sessions: new Map(), keyValue: new Map(), events: [] }),
          (state) => MemoryStore.of({ state, locked: () => Effect.dieMessage("the memory store is broken") })
        )
      ),
      IdGeneratorSequential
    ]))
})

const stacks = [
  [
    "memory",
    () =>
      Layer.mergeAll(
        forwardAfterCommit(forwardingInto).pipe(Layer.provide(NotifierMemory)),
        EventLogMemory,
        TransactionMemory,
        WalletRepoMemory
      ).pipe(Layer.provideMerge(ForwardedRef), Layer.provide([MemoryStore.layer, IdGeneratorSequential]))
  ],
  [
    "sqlite",
    () =>
      Layer.mergeAll(
        forwardAfterCommit(forwardingInto).pipe(Layer.provide(NotifierSqlite)),
        EventLogSqlite,
        TransactionSqlite,
        WalletRepoSqlite
      ).pipe(Layer.provideMerge(ForwardedRef), Layer.provide([TempSqliteLive, IdGeneratorSequential]))
  ]
] as const

const recordedAts = Effect.flatMap(EventLog, (log) => log.page({ limit: 50 })).pipe(
  Effect.map((page) => page.items.map((item) => item.at).reverse())
)
const forwardedAts = Effect.flatMap(Forwarded, Ref.get).pipe(Effect.map((events) => events.map((event) => event.at)))

describe.each(stacks)("forwardAfterCommit (%s)", (_, makeLayer) => {
  it.effect("outside a transaction an event is recorded once and forwarded at once", () =>
    Effect.gen(function*() {
      yield* (yield* Notifier).notify(eventNumber(1))
      expect(yield* recordedAts).toEqual([eventNumber(1).at])
      expect(yield* forwardedAts).toEqual([eventNumber(1).at])
    }).pipe(Effect.provide(makeLayer())))

  it.effect("inside a transaction it is recorded with it, and forwarded only once it has committed", () =>
    Effect.gen(function*() {
      const notifier = yield* Notifier
      yield* (yield* Transaction).atomically(Effect.gen(function*() {
        yield* (yield* WalletRepo).insert(makeWallet(1))
        yield* notifier.notify(eventNumber(1))
        yield* notifier.notify(eventNumber(2))
        expect(yield* forwardedAts).toEqual([])
      }))
      expect(yield* recordedAts).toEqual([eventNumber(1).at, eventNumber(2).at])
      expect(yield* forwardedAts).toEqual([eventNumber(1).at, eventNumber(2).at])
    }).pipe(Effect.provide(makeLayer())))

  it.effect("an event of a transaction that rolls back is neither recorded nor forwarded", () =>
    Effect.gen(function*() {
      const notifier = yield* Notifier
      yield* (yield* Transaction).atomically(Effect.zipRight(notifier.notify(eventNumber(1)), Effect.fail("boom"))).pipe(
        Effect.ignore
      )
      yield* notifier.notify(eventNumber(2))
      expect(yield* recordedAts).toEqual([eventNumber(2).at])
      expect(yield* forwardedAts).toEqual([eventNumber(2).at])
    }).pipe(Effect.provide(makeLayer())))
})

/** The `at` of each event the webhook POSTed. */
class Received extends Context.Tag("test/Received")<Received, Ref.Ref<ReadonlyArray<number>>>() {}

describe("forwardAfterCommit over the webhook", () => {
  /** An HttpClient that answers 200 to everything and keeps the `at` of each event it was sent. */
  const Receiver = Layer.effectContext(Effect.gen(function*() {
    const received = yield* Ref.make<ReadonlyArray<number>>([])
    const client = HttpClient.make((request) =>
      Effect.gen(function*() {
        const body = request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : "{}"
        yield* Ref.update(received, (all) => [...all, JSON.parse(body).event.at as number])
        return HttpClientResponse.fromWeb(request, new Response("ok", { status: 200 }))
      })
    )
    return Context.make(HttpClient.HttpClient, client).pipe(Context.add(Received, received))
  }))

  it.scopedLive("sends an event recorded in a transaction after the commit, and never one that was rolled back", () =>
    Effect.gen(function*() {
      const notifier = yield* Notifier
      const { atomically } = yield* Transaction
      const received = yield* Received
      yield* atomically(Effect.zipRight(notifier.notify(eventNumber(1)), Effect.fail("boom"))).pipe(Effect.ignore)
      yield* atomically(notifier.notify(eventNumber(2)))
      const deadline = Date.now() + 3000
      while ((yield* Ref.get(received)).length === 0 && Date.now() < deadline) yield* Effect.sleep("5 millis")
      yield* Effect.sleep("50 millis") // time enough for a stray one
      expect(yield* Ref.get(received)).toEqual([eventNumber(2).at])
      expect(yield* recordedAts).toEqual([eventNumber(2).at])
    }).pipe(Effect.provide(
      Layer.mergeAll(
        forwardAfterCommit(withWebhook({ url: Redacted.make("http://127.0.0.1:9/hook") })).pipe(
          Layer.provide(NotifierSqlite)
        ),
        EventLogSqlite,
        TransactionSqlite
      ).pipe(Layer.provideMerge(Receiver), Layer.provide([TempSqliteLive, IdGeneratorSequential]))
    )))
})
