import { Cause, Effect, FiberRef, Option } from "effect"

/**
 * What waits for the enclosing `atomically` to commit. `open` turns false once the outermost transaction has
 * handed its actions on, so that a fiber forked inside it (which inherits this queue) and calling
 * `afterCommit` later runs its action at once instead of adding it to a queue nobody reads any more.
 */
interface Pending {
  readonly actions: Array<Effect.Effect<void>>
  open: boolean
}

const pending = FiberRef.unsafeMake<Option.Option<Pending>>(Option.none())

/**
 * Runs `action` once the caller's transaction (TransactionSqlite or TransactionMemory) has committed, and
 * never if it rolls back; outside a transaction, right away. For what must not leave the process before the
 * writes it reports are durable, such as a webhook.
 */
export const afterCommit = (action: Effect.Effect<void>): Effect.Effect<void> =>
  Effect.flatMap(FiberRef.get(pending), (current) =>
    Option.isSome(current) && current.value.open
      ? Effect.sync(() => {
        current.value.actions.push(action)
      })
      : action)

const openPending = (): Pending => ({ actions: [], open: true })

const runCommitted = (action: Effect.Effect<void>) =>
  Effect.catchAllCause(action, (cause) =>
    Cause.isInterruptedOnly(cause)
      ? Effect.void
      : Effect.logError("An action after a commit crashed; the commit stands", cause))

/**
 * Gives `effect` a queue of after-commit actions, `run` being how the Transaction adapter runs it as one
 * unit (a SQLite transaction or savepoint, or the memory store's snapshot and rollback); `run` may rerun it
 * (SQLITE_BUSY), each attempt starting with an empty queue. When the unit succeeds, a nested one hands its
 * actions to the enclosing one, and the outermost runs them in order; when it fails they are dropped with its
 * writes. An action that dies is logged, not passed on: the transaction has committed, and that is what its
 * caller must hear.
 */
export const withAfterCommit = <A, E, R>(
  run: (effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.flatMap(FiberRef.get(pending), (outer) => {
    let attempt = openPending()
    const attempted = Effect.suspend(() => {
      attempt = openPending()
      return Effect.locally(effect, pending, Option.some(attempt))
    })
    return Effect.uninterruptibleMask((restore) =>
      Effect.tap(restore(run(attempted)), () => {
        const done = attempt
        done.open = false
        return Option.isSome(outer) && outer.value.open
          ? Effect.sync(() => {
            outer.value.actions.push(...done.actions)
          })
          : done.actions.length === 0
          ? Effect.void
          : Effect.forEach(done.actions, runCommitted, { discard: true })
      })
    )
  })
