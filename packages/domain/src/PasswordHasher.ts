import { Context, Effect, type Exit, type Redacted } from "effect"

/** One-way password hashing (argon2id in production) for the master password. */
export class PasswordHasher extends Context.Tag("waiaas/PasswordHasher")<PasswordHasher, {
  readonly hash: (password: Redacted.Redacted<string>) => Effect.Effect<string>
  readonly verify: (hash: string, password: Redacted.Redacted<string>) => Effect.Effect<boolean>
  /**
   * `verify`, running `meanwhile` on the calling fiber while the hash is computed (argon2 computes on
   * libuv's thread pool for tens of milliseconds, with the event loop idle). Its outcome comes back beside
   * the verdict, never in place of it: a caller can drop whatever it did for a wrong password.
   */
  readonly verifyWhile: <A, E, R>(
    hash: string,
    password: Redacted.Redacted<string>,
    meanwhile: Effect.Effect<A, E, R>
  ) => Effect.Effect<readonly [verified: boolean, meanwhile: Exit.Exit<A, E>], never, R>
}>() {}

/**
 * `meanwhile` run to its outcome, then `verdict` awaited: the pair `verifyWhile` gives. A hasher that
 * computes elsewhere starts the computation before this, and `verdict` only awaits it.
 */
export const verdictAfter = <A, E, R>(
  meanwhile: Effect.Effect<A, E, R>,
  verdict: Effect.Effect<boolean>
): Effect.Effect<readonly [boolean, Exit.Exit<A, E>], never, R> =>
  Effect.flatMap(Effect.exit(meanwhile), (exit) => Effect.map(verdict, (verified) => [verified, exit] as const))

/** `verifyWhile` for a hasher that computes on the calling thread: `meanwhile` first, then `verify`. */
export const verifyAfter = (verify: Context.Tag.Service<PasswordHasher>["verify"]) =>
<A, E, R>(hash: string, password: Redacted.Redacted<string>, meanwhile: Effect.Effect<A, E, R>) =>
  verdictAfter(meanwhile, verify(hash, password))
