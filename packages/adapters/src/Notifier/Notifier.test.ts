import { describe, expect, it } from "@effect/vitest"
import { Notifier } from "@waiaas/domain"
import { Effect, HashMap, Layer, List, Logger, LogLevel, Ref } from "effect"
import { IdGeneratorSequential } from "../IdGenerator/Sequential.js"
import { MemoryStore } from "../MemoryStore.js"
import { TempSqliteLive } from "../testing/TempSqlite.js"
import { NotifierLog } from "./Log.js"
import { NotifierMemory, RecordedEvents } from "./Memory.js"
import { notifierContract, sampleEvents } from "./Notifier.contract.js"
import { NotifierSqlite } from "./Sqlite.js"

const NotifierMemoryFresh = NotifierMemory.pipe(Layer.provide([MemoryStore.layer, IdGeneratorSequential]))

notifierContract("log", () => NotifierLog)
notifierContract("memory", () => NotifierMemoryFresh)
notifierContract("sqlite", () => NotifierSqlite.pipe(Layer.provide([TempSqliteLive, IdGeneratorSequential])))

interface Captured {
  readonly level: string
  readonly message: unknown
  readonly annotations: Record<string, unknown>
}

describe("NotifierLog", () => {
  it.effect("logs each event at info, annotated with its type, wallet id and session id", () =>
    Effect.gen(function*() {
      const captured: Array<Captured> = []
      const capture = Logger.make<unknown, void>(({ annotations, logLevel, message }) => {
        captured.push({
          level: logLevel.label,
          message: List.isList(message) ? List.toArray(message) : message,
          annotations: Object.fromEntries(HashMap.toEntries(annotations))
        })
      })
      yield* Effect.forEach(sampleEvents, (event) => Effect.flatMap(Notifier, (n) => n.notify(event))).pipe(
        Effect.provide(NotifierLog),
        Effect.provide(Logger.replace(Logger.defaultLogger, capture)),
        Logger.withMinimumLogLevel(LogLevel.All)
      )
      expect(captured).toHaveLength(sampleEvents.length)
      expect(captured.every((entry) => entry.level === "INFO")).toBe(true)
      expect(captured[0]!.annotations).toEqual({
        type: "SESSION_CREATED",
        walletId: sampleEvents[0]!.walletId,
        sessionId: sampleEvents[0]!.sessionId,
        at: sampleEvents[0]!.at
      })
      expect(captured[0]!.message).toEqual(["Domain event SESSION_CREATED"])
      expect(captured[3]!.annotations).not.toHaveProperty("sessionId")
      expect(captured[3]!.annotations).toMatchObject({ type: "WALLET_TERMINATED" })
    }))
})

describe("NotifierMemory", () => {
  it.effect("records the events in order; a fresh layer starts empty", () =>
    Effect.gen(function*() {
      const notifier = yield* Notifier
      for (const event of sampleEvents) yield* notifier.notify(event)
      expect(yield* Ref.get(yield* RecordedEvents)).toEqual(sampleEvents)
      const fresh = yield* Effect.flatMap(RecordedEvents, Ref.get).pipe(Effect.provide(NotifierMemoryFresh))
      expect(fresh).toEqual([])
    }).pipe(Effect.provide(NotifierMemoryFresh)))
})
