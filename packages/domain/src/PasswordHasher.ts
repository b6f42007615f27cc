import { Context, type Effect, type Redacted } from "effect"

/** One-way password hashing (argon2id in production) for the master password. */
export class PasswordHasher extends Context.Tag("waiaas/PasswordHasher")<PasswordHasher, {
  readonly hash: (password: Redacted.Redacted<string>) => Effect.Effect<string>
  readonly verify: (hash: string, password: Redacted.Redacted<string>) => Effect.Effect<boolean>
}>() {}
