import { describe, expect, it } from "@effect/vitest"
import {
  type DomainEvent,
  EventId,
  EventLog,
  type EventPage,
  type EventRecord,
  EventType,
  IdGenerator,
  Notifier
} from "@waiaas/domain"
import { Effect, Exit, HashMap, Layer, List, Logger, LogLevel, Option } from "effect"
import { IdGeneratorSequential } from "../IdGenerator/Sequential.js"
import { IdGeneratorUuidV7 } from "../IdGenerator/UuidV7.js"
import { sessionId, walletId } from "../testing/fixtures.js"

export interface EventLogSubject {
  /** A Notifier and the EventLog reading what it records, over one fresh, empty store, ids from `ids`. */
  readonly make: (ids: Layer.Layer<IdGenerator>) => Layer.Layer<Notifier | EventLog>
  /** A Notifier whose storage is broken (SQLite: its table dropped). */
  readonly makeBroken: () => Layer.Layer<Notifier>
}

const types: ReadonlyArray<EventType> = EventType.literals

/** Event `n`: every type in turn, with or without a wallet id, a session id and details. */
export const eventNumber = (n: number): DomainEvent => ({
  type: types[n % types.length]!,
  ...(n % 3 !== 0 ? { walletId: walletId(n) } : {}),
  ...(n % 2 === 0 ? { sessionId: sessionId(n) } : {}),
  at: 1_750_000_000 + n,
  ...(n % 4 !== 0 ? { details: { n, even: n % 2 === 0, label: `event ${n}` } } : {})
})

/** What the log shows for `event`, but for the id it was given. */
const recordFields = (event: DomainEvent): Omit<EventRecord, "id"> => ({
  type: event.type,
  walletId: event.walletId ?? null,
  sessionId: event.sessionId ?? null,
  at: event.at,
  details: event.details ?? {}
})

const withoutId = ({ id: _, ...fields }: EventRecord) => fields

interface Captured {
  readonly level: string
  readonly text: string
  readonly annotations: Record<string, unknown>
}

/** Runs `effect` with every log line captured instead of printed. */
const capturingLogs = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const captured: Array<Captured> = []
    const capture = Logger.make<unknown, void>(({ annotations, logLevel, message }) => {
      captured.push({
        level: logLevel.label,
        text: JSON.stringify(List.isList(message) ? List.toArray(message) : message),
        annotations: Object.fromEntries(HashMap.toEntries(annotations))
      })
    })
    const result = yield* effect.pipe(
      Effect.provide(Logger.replace(Logger.defaultLogger, capture)),
      Logger.withMinimumLogLevel(LogLevel.All)
    )
    return [result, captured] as const
  })

const notifyAll = (events: ReadonlyArray<DomainEvent>) =>
  Effect.flatMap(Notifier, (notifier) => Effect.forEach(events, (event) => notifier.notify(event), { discard: true }))

const page = (options: { readonly limit: number; readonly before?: EventId | undefined }) =>
  Effect.flatMap(EventLog, (log) => log.page(options))

/** Follows the cursor from the newest page to the last one; every page but the last must have a cursor. */
const walk = (limit: number) =>
  Effect.gen(function*() {
    const pages: Array<EventPage> = [yield* page({ limit })]
    let cursor = pages[0]!.nextCursor
    while (Option.isSome(cursor)) {
      if (pages.length > 100) throw new Error("the cursor never ends")
      const next = yield* page({ limit, before: cursor.value })
      pages.push(next)
      cursor = next.nextCursor
    }
    return pages
  })

/**
 * What every (Notifier, EventLog) pair must do: what is notified can be read back, newest first, in pages.
 * And the notifier never fails its caller, whatever is wrong with its id source or its storage.
 */
export const eventLogContract = (name: string, subject: EventLogSubject) =>
  describe(`EventLog contract: ${name}`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, Notifier | EventLog>, ids = IdGeneratorSequential) =>
      Effect.provide(effect, subject.make(ids))

    it.effect("an empty log has one empty page without a cursor", () =>
      run(Effect.gen(function*() {
        expect(yield* page({ limit: 10 })).toEqual({ items: [], nextCursor: Option.none() })
      })))

    it.effect("notified events come back newest first, field for field, ids from the IdGenerator", () =>
      run(Effect.gen(function*() {
        const events = [1, 2, 3, 4, 5, 6].map(eventNumber)
        yield* notifyAll(events)
        const { items, nextCursor } = yield* page({ limit: 10 })
        expect(items.map(withoutId)).toEqual(events.map(recordFields).reverse())
        expect(items.map((item) => item.id)).toEqual([6, 5, 4, 3, 2, 1].map((n) => `00000000-0000-7000-8000-00000000000${n}`))
        expect(nextCursor).toEqual(Option.none())
      })))

    it.effect("the order is the order of notification (id order), even when `at` goes backwards", () =>
      run(Effect.gen(function*() {
        const events = [5, 4, 3].map((n) => ({ ...eventNumber(n), at: 1_000 + n }))
        yield* notifyAll(events)
        expect((yield* page({ limit: 10 })).items.map((item) => item.at)).toEqual([1_003, 1_004, 1_005])
      }), IdGeneratorUuidV7))

    it.effect("limit caps the page, and the cursor is the id of its oldest item", () =>
      run(Effect.gen(function*() {
        yield* notifyAll([1, 2, 3, 4, 5].map(eventNumber))
        const first = yield* page({ limit: 2 })
        expect(first.items.map((item) => item.at)).toEqual([1_750_000_005, 1_750_000_004])
        expect(first.nextCursor).toEqual(Option.some(first.items[1]!.id))
        const second = yield* page({ limit: 2, before: first.items[1]!.id })
        expect(second.items.map((item) => item.at)).toEqual([1_750_000_003, 1_750_000_002])
        expect(yield* page({ limit: 0 })).toEqual({ items: [], nextCursor: Option.none() })
      })))

    it.effect("the cursor walks every event exactly once, whatever the page size; only the last page has no cursor", () =>
      run(Effect.gen(function*() {
        const events = [1, 2, 3, 4, 5, 6].map(eventNumber)
        yield* notifyAll(events)
        const all = (yield* page({ limit: 100 })).items
        for (const limit of [1, 2, 3, 4, 5, 6, 7]) {
          const pages = yield* walk(limit)
          expect(pages, `limit ${limit}`).toHaveLength(Math.ceil(events.length / limit))
          expect(pages.flatMap((p) => p.items), `limit ${limit}`).toEqual(all)
          for (const p of pages.slice(0, -1)) expect(p.items).toHaveLength(limit)
          expect(Option.isNone(pages.at(-1)!.nextCursor)).toBe(true)
        }
      })))

    it.effect("a cursor between stored ids, before the oldest, or after the newest pages from the right place", () =>
      run(Effect.gen(function*() {
        yield* notifyAll([1, 2, 3, 4].map(eventNumber))
        const ids = (yield* page({ limit: 10 })).items.map((item) => item.id)
        // A string just above the second oldest id: below the next one, which has the same length.
        const between = yield* page({ limit: 10, before: EventId.make(`${ids[2]}!`) })
        expect(between.items.map((item) => item.id)).toEqual(ids.slice(2))
        expect(yield* page({ limit: 10, before: ids[3]! })).toEqual({ items: [], nextCursor: Option.none() })
        expect(yield* page({ limit: 10, before: EventId.make("") })).toEqual({ items: [], nextCursor: Option.none() })
        expect((yield* page({ limit: 10, before: EventId.make("ffffffff") })).items.map((item) => item.id)).toEqual(ids)
      })))

    it.effect("details and the optional ids round-trip exactly", () =>
      run(Effect.gen(function*() {
        const details = {
          quote: `he said "hi" \\ {}`,
          unicode: "ümlaut 🔑 \u0000 end",
          empty: "",
          "key with spaces": "v",
          zero: 0,
          negative: -42,
          fraction: 0.1 + 0.2,
          large: Number.MAX_SAFE_INTEGER,
          yes: true,
          no: false
        }
        const events: ReadonlyArray<DomainEvent> = [
          { type: "SECRET_ROTATED", at: 1, details },
          { type: "MASTER_AUTH_FAILED", at: 2, details: { reason: "wrong" } },
          { type: "WALLET_TERMINATED", walletId: walletId(7), at: 3 },
          { type: "SESSION_EXPIRED", walletId: walletId(7), sessionId: sessionId(8), at: 4, details: {} },
          { type: "SESSION_REVOKED", walletId: undefined, sessionId: undefined, at: 5, details: undefined }
        ]
        yield* notifyAll(events)
        expect((yield* page({ limit: 10 })).items.map(withoutId)).toEqual(events.map(recordFields).reverse())
      })))

    it.effect("only the event's own fields are recorded: nothing else a caller attached", () =>
      run(Effect.gen(function*() {
        const smuggled = {
          ...eventNumber(1),
          token: "wai_sess_secret.token.value",
          password: "correct horse battery staple"
        } as DomainEvent
        yield* notifyAll([smuggled])
        const { items } = yield* page({ limit: 1 })
        expect(Object.keys(items[0]!).sort()).toEqual(["at", "details", "id", "sessionId", "type", "walletId"])
        expect(JSON.stringify(items)).not.toMatch(/wai_sess_|correct horse/)
      })))

    it.effect("an event that cannot be a record (fractional time, malformed id, NaN detail) is dropped with a warning", () =>
      run(Effect.gen(function*() {
        const invalid = [
          { ...eventNumber(1), at: 1.5 },
          { ...eventNumber(2), walletId: "../not-a-wallet" } as unknown as DomainEvent,
          { ...eventNumber(4), details: { resigned: Number.NaN } },
          { ...eventNumber(5), type: "SOMETHING_ELSE" } as unknown as DomainEvent
        ]
        const [exits, logs] = yield* capturingLogs(
          Effect.flatMap(Notifier, (notifier) => Effect.forEach(invalid, (event) => Effect.exit(notifier.notify(event))))
        )
        expect(exits.every(Exit.isSuccess)).toBe(true)
        yield* notifyAll([eventNumber(3)])
        expect((yield* page({ limit: 10 })).items.map(withoutId)).toEqual([recordFields(eventNumber(3))])
        expect(logs.filter((line) => line.level === "WARN").map((line) => line.annotations.reason)).toEqual(
          invalid.map(() => "ParseError")
        )
      })))

    it.effect("a broken id source fails nothing: the event is dropped with a warning", () =>
      run(
        Effect.gen(function*() {
          const [exit, logs] = yield* capturingLogs(Effect.exit(notifyAll([eventNumber(1)])))
          expect(Exit.isSuccess(exit)).toBe(true)
          expect((yield* page({ limit: 10 })).items).toEqual([])
          expect(logs.map((line) => [line.level, line.annotations.eventType])).toEqual([["WARN", eventNumber(1).type]])
        }),
        Layer.succeed(IdGenerator, IdGenerator.of({ next: Effect.dieMessage("no more ids") }))
      ))

    it.effect("broken storage fails nothing: each event is dropped with a warning that names it, never its details", () =>
      Effect.gen(function*() {
        const events = [1, 2, 3, 4].map(eventNumber)
        const [exits, logs] = yield* capturingLogs(
          Effect.flatMap(Notifier, (notifier) => Effect.forEach(events, (event) => Effect.exit(notifier.notify(event))))
        )
        expect(exits.every(Exit.isSuccess)).toBe(true)
        expect(logs).toHaveLength(events.length)
        for (const [i, line] of logs.entries()) {
          const event = events[i]!
          expect(line.level).toBe("WARN")
          expect(line.annotations).toEqual({
            eventType: event.type,
            ...(event.walletId !== undefined ? { walletId: event.walletId } : {}),
            ...(event.sessionId !== undefined ? { sessionId: event.sessionId } : {}),
            reason: expect.any(String)
          })
          if (event.details !== undefined) expect(JSON.stringify(line)).not.toContain(String(event.details.label))
        }
      }).pipe(Effect.provide(subject.makeBroken())))
  })
