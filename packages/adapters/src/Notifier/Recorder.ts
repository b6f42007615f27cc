import { type DomainEvent, EventRecord, IdGenerator, Notifier } from "@waiaas/domain"
import { Cause, Effect, Option, Schema } from "effect"

/** An EventRecord that survives JSON: no NaN or Infinity among the details (JSON would turn them into null). */
const StorableRecord = Schema.Struct({
  ...EventRecord.fields,
  details: Schema.Record({ key: Schema.String, value: Schema.Union(Schema.String, Schema.Finite, Schema.Boolean) })
})

const decodeRecord = Schema.decodeUnknown(StorableRecord)

/**
 * The stored form of `event`, under `id`. Built from the event's known fields only, so nothing else a
 * caller happened to attach (a token, say) can reach the log; validated, so that a record that was stored
 * can always be read back (one bad row would otherwise break every page that includes it).
 */
export const eventRecordOf = (id: string, event: DomainEvent) =>
  decodeRecord({
    id,
    type: event.type,
    walletId: event.walletId ?? null,
    sessionId: event.sessionId ?? null,
    at: event.at,
    details: event.details ?? {}
  })

const codeOf = (u: unknown): Option.Option<string> =>
  typeof u === "object" && u !== null && "code" in u && typeof u.code === "string" ? Option.some(u.code) : Option.none()

/**
 * Why recording failed, in a few words fit for a log: the error's tag and, for a storage error, its code
 * (`SqliteError (SQLITE_ERROR)`). Never a message: those can quote anything, the event's details included.
 */
const reasonOf = (cause: Cause.Cause<unknown>): string => {
  const first = Option.orElse(Cause.failureOption(cause), () => Option.fromNullable([...Cause.defects(cause)][0]))
  if (Option.isNone(first)) return Cause.isInterrupted(cause) ? "interrupted" : "unknown"
  const error = first.value
  const tag = typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
    ? error._tag
    : error instanceof Error
    ? error.name
    : typeof error
  const code = Option.orElse(
    codeOf(error),
    () => typeof error === "object" && error !== null && "cause" in error ? codeOf(error.cause) : Option.none()
  )
  return Option.match(code, { onNone: () => tag, onSome: (c) => `${tag} (${c})` })
}

/**
 * A Notifier that gives each event the next id of the IdGenerator and hands its record to `store`. It never
 * fails, dies or blocks on a broken store: the event is dropped with a warning naming its type and ids
 * (never its details), and the request that caused it carries on.
 */
export const makeRecordingNotifier = (store: (record: EventRecord) => Effect.Effect<void, unknown>) =>
  Effect.map(IdGenerator, (ids) =>
    Notifier.of({
      notify: (event) =>
        ids.next.pipe(
          Effect.flatMap((id) => eventRecordOf(id, event)),
          Effect.flatMap(store),
          Effect.catchAllCause((cause) =>
            Effect.logWarning("Could not record an event; it was dropped").pipe(
              Effect.annotateLogs({
                eventType: String(event.type),
                ...(event.walletId !== undefined ? { walletId: String(event.walletId) } : {}),
                ...(event.sessionId !== undefined ? { sessionId: String(event.sessionId) } : {}),
                reason: reasonOf(cause)
              }),
              // Even logging must not fail the caller.
              Effect.catchAllCause(() => Effect.void)
            )
          )
        )
    }))
