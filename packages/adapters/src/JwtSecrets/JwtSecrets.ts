import { Context, type Effect, type Option } from "effect"

/**
 * The HS256 secrets the jose signer uses (an adapter-side port: the domain never sees a secret). A 32-byte
 * current secret is created on first start and kept; the previous one still verifies after a rotation.
 */
export class JwtSecrets extends Context.Tag("waiaas/adapters/JwtSecrets")<JwtSecrets, {
  readonly current: Effect.Effect<Uint8Array>
  readonly previous: Effect.Effect<Option.Option<Uint8Array>>
}>() {}
