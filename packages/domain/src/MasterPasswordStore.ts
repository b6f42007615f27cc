import { Context, type Effect, type Option } from "effect"

/** Where the master password's argon2id hash is kept once the first start has set it. */
export class MasterPasswordStore extends Context.Tag("waiaas/MasterPasswordStore")<MasterPasswordStore, {
  readonly get: Effect.Effect<Option.Option<string>>
  readonly set: (hash: string) => Effect.Effect<void>
}>() {}
