import { describe, expect, it } from "@effect/vitest"
import { EventLog, EventId, Notifier, Transaction, WalletRepo } from "@waiaas/domain"
import { Effect, HashMap, Layer, Logger, LogLevel, Option, Ref } from "effect"
import { IdGeneratorSequential } from "../IdGenerator/Sequential.js"
import { MemoryStore, type MemoryState } from "../MemoryStore.js"
import { NotifierMemory } from "../Notifier/Memory.js"
import { NotifierSqlite } from "../Notifier/Sqlite.js"
import { makeWallet, walletId } from "../testing/fixtures.js"
import { SqliteDatabase } from "../Sql/SqliteDatabase.js"
import { planOf, statementsOf } from "../testing/QueryPlans.js"
import { TempSqliteLive } from "../testing/TempSqlite.js"
import { TransactionMemory } from "../Transaction/Memory.js"
import { TransactionSqlite } from "../Transaction/Sqlite.js"
import { WalletRepoMemory } from "../WalletRepo/Memory.js"
import { WalletRepoSqlite } from "../WalletRepo/Sqlite.js"
import { eventLogContract, eventNumber } from "./EventLog.contract.js"
import { EventLogMemory } from "./Memory.js"
import { EventLogSqlite } from "./Sqlite.js"

/** A MemoryStore whose every access dies, as a store that has gone wrong would. */
const BrokenMemoryStore = Layer.effect(
  MemoryStore,
  Effect.map(
    Ref.make<MemoryState>({ wallets: new Map(), sessions: new Map(), keyValue: new Map(), events: [] }),
    (state) => MemoryStore.of({ state, locked: () => Effect.dieMessage("the memory store is broken") })
  )
)

const dropEvents = Effect.flatMap(SqliteDatabase, (db) => db.execute("DROP TABLE events"))

const EventsTableDropped = Layer.effectDiscard(dropEvents)

eventLogContract("memory", {
  make: (ids) => Layer.mergeAll(NotifierMemory, EventLogMemory).pipe(Layer.provide([MemoryStore.layer, ids])),
  makeBroken: () => NotifierMemory.pipe(Layer.provide([BrokenMemoryStore, IdGeneratorSequential]))
})

eventLogContract("sqlite", {
  make: (ids) => Layer.mergeAll(NotifierSqlite, EventLogSqlite).pipe(Layer.provide([TempSqliteLive, ids])),
  makeBroken: () =>
    Layer.merge(NotifierSqlite, EventsTableDropped).pipe(Layer.provide([TempSqliteLive, IdGeneratorSequential]))
})

const stacks = [
  [
    "memory",
    () =>
      Layer.mergeAll(NotifierMemory, EventLogMemory, TransactionMemory, WalletRepoMemory).pipe(
        Layer.provide([MemoryStore.layer, IdGeneratorSequential])
      )
  ],
  [
    "sqlite",
    () =>
      Layer.mergeAll(NotifierSqlite, EventLogSqlite, TransactionSqlite, WalletRepoSqlite).pipe(
        Layer.provide([TempSqliteLive, IdGeneratorSequential])
      )
  ]
] as const

describe.each(stacks)("Events inside a transaction (%s)", (_, makeLayer) => {
  it.effect("are recorded when it commits, and rolled back with it otherwise", () =>
    Effect.gen(function*() {
      const { atomically } = yield* Transaction
      const notifier = yield* Notifier
      yield* atomically(notifier.notify(eventNumber(1)))
      yield* atomically(Effect.zipRight(notifier.notify(eventNumber(2)), Effect.fail("boom"))).pipe(Effect.ignore)
      const { items } = yield* (yield* EventLog).page({ limit: 10 })
      expect(items.map((item) => item.at)).toEqual([eventNumber(1).at])
    }).pipe(Effect.provide(makeLayer())))
})

const SqliteEvents = Layer.mergeAll(NotifierSqlite, EventLogSqlite, TransactionSqlite, WalletRepoSqlite).pipe(
  Layer.provideMerge(TempSqliteLive),
  Layer.provide(IdGeneratorSequential)
)

describe("NotifierSqlite and EventLogSqlite", () => {
  it.effect("a row holds the record's fields, details as JSON text, and nothing a caller smuggled in", () =>
    Effect.gen(function*() {
      const db = yield* SqliteDatabase
      yield* (yield* Notifier).notify({
        ...eventNumber(1),
        details: { reason: "wrong", attempts: 3 },
        token: "wai_sess_secret.token.value"
      } as Parameters<Notifier["Type"]["notify"]>[0])
      yield* (yield* Notifier).notify({ type: "SECRET_ROTATED", at: 7 })
      expect(yield* db.query("SELECT * FROM events ORDER BY id")).toEqual([
        {
          id: "00000000-0000-7000-8000-000000000001",
          type: eventNumber(1).type,
          wallet_id: eventNumber(1).walletId,
          session_id: null,
          at: eventNumber(1).at,
          details: `{"reason":"wrong","attempts":3}`
        },
        {
          id: "00000000-0000-7000-8000-000000000002",
          type: "SECRET_ROTATED",
          wallet_id: null,
          session_id: null,
          at: 7,
          details: "{}"
        }
      ])
    }).pipe(Effect.provide(SqliteEvents)))

  it.effect("the warning for a failed insert says which SQLite error it was", () =>
    Effect.gen(function*() {
      yield* dropEvents
      const warnings: Array<unknown> = []
      const capture = Logger.make(({ annotations, logLevel }) => {
        if (logLevel === LogLevel.Warning) warnings.push(HashMap.get(annotations, "reason"))
      })
      yield* (yield* Notifier).notify(eventNumber(1)).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, capture)),
        Logger.withMinimumLogLevel(LogLevel.All)
      )
      expect(warnings).toEqual([Option.some("SqliteError (SQLITE_ERROR)")])
    }).pipe(Effect.provide(SqliteEvents)))

  it.effect("a failed event insert inside a transaction neither fails nor rolls back the transaction", () =>
    Effect.gen(function*() {
      yield* dropEvents
      yield* (yield* Transaction).atomically(Effect.gen(function*() {
        yield* (yield* WalletRepo).insert(makeWallet(1))
        yield* (yield* Notifier).notify(eventNumber(1))
        yield* (yield* WalletRepo).insert(makeWallet(2))
      }))
      expect((yield* (yield* WalletRepo).list).map((w) => w.id).sort()).toEqual([walletId(1), walletId(2)])
    }).pipe(Effect.provide(SqliteEvents)))

  it.effect("a page is a range of the primary key read backwards: never a table scan or a sort", () =>
    Effect.gen(function*() {
      const notifier = yield* Notifier
      for (let n = 1; n <= 50; n++) yield* notifier.notify(eventNumber(n))
      const log = yield* EventLog
      const first = yield* statementsOf(log.page({ limit: 10 }))
      const deeper = yield* statementsOf(log.page({ limit: 10, before: EventId.make("00000000-0000-7000-8000-000000000020") }))
      expect(yield* planOf(first[0]!)).toMatch(/^SCAN events USING INDEX sqlite_autoindex_events_1$/)
      expect(yield* planOf(deeper[0]!)).toMatch(/^SEARCH events USING INDEX sqlite_autoindex_events_1 \(id<\?\)$/)
      const page = yield* log.page({ limit: 10, before: EventId.make("00000000-0000-7000-8000-000000000020") })
      expect(page.items.map((item) => item.at)).toEqual(
        Array.from({ length: 10 }, (_, i) => eventNumber(0x1f - i).at)
      )
      expect(page.nextCursor).toEqual(Option.some(page.items[9]!.id))
    }).pipe(Effect.provide(SqliteEvents)))
})
