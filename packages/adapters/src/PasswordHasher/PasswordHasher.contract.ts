import { describe, expect, it } from "@effect/vitest"
import { PasswordHasher } from "@waiaas/domain"
import { type Context, Effect, Exit, type Layer, Redacted, Ref } from "effect"

const password = Redacted.make("correct horse battery staple")

export const passwordHasherContract = (name: string, makeLayer: () => Layer.Layer<PasswordHasher>) =>
  describe(`PasswordHasher contract: ${name}`, () => {
    const run = <A, E>(body: (hasher: Context.Tag.Service<PasswordHasher>) => Effect.Effect<A, E>) =>
      Effect.flatMap(PasswordHasher, body).pipe(Effect.provide(makeLayer()))

    it.effect("the hash is not the password and does not contain it", () =>
      run((hasher) =>
        Effect.gen(function*() {
          const digest = yield* hasher.hash(password)
          expect(digest).not.toBe(Redacted.value(password))
          expect(digest).not.toContain(Redacted.value(password))
        })
      ))

    it.effect("the right password verifies", () =>
      run((hasher) =>
        Effect.gen(function*() {
          const digest = yield* hasher.hash(password)
          expect(yield* hasher.verify(digest, Redacted.make("correct horse battery staple"))).toBe(true)
        })
      ))

    it.effect("a wrong password, a near miss or an empty password does not verify", () =>
      run((hasher) =>
        Effect.gen(function*() {
          const digest = yield* hasher.hash(password)
          for (const wrong of ["wrong", "correct horse battery staple ", "Correct horse battery staple", ""]) {
            expect(yield* hasher.verify(digest, Redacted.make(wrong))).toBe(false)
          }
        })
      ))

    it.effect("an empty password can be hashed and verified like any other", () =>
      run((hasher) =>
        Effect.gen(function*() {
          const digest = yield* hasher.hash(Redacted.make(""))
          expect(yield* hasher.verify(digest, Redacted.make(""))).toBe(true)
          expect(yield* hasher.verify(digest, password)).toBe(false)
        })
      ))

    it.effect("a malformed hash verifies nothing and does not fail", () =>
      run((hasher) =>
        Effect.gen(function*() {
          for (const digest of ["", "not a hash", "$argon2id$v=19$m=4096,t=2,p=1$broken", "fake$", "fake$zz"]) {
            expect(yield* hasher.verify(digest, password)).toBe(false)
            expect(yield* hasher.verify(digest, Redacted.make(""))).toBe(false)
          }
        })
      ))
  
    it.effect("verifyWhile runs meanwhile once, whatever the verdict, and gives its outcome beside the verdict", () =>
      run((hasher) =>
        Effect.gen(function*() {
          const digest = yield* hasher.hash(password)
          const runs = yield* Ref.make(0)
          const succeeding = Effect.as(Ref.update(runs, (n) => n + 1), "prepared")
          const failing = Effect.zipRight(Ref.update(runs, (n) => n + 1), Effect.fail("bad payload" as const))

          expect(yield* hasher.verifyWhile(digest, password, succeeding)).toStrictEqual([true, Exit.succeed("prepared")])
          expect(yield* hasher.verifyWhile(digest, password, failing)).toStrictEqual([true, Exit.fail("bad payload")])
          expect(yield* hasher.verifyWhile(digest, Redacted.make("wrong"), succeeding)).toStrictEqual(
            [false, Exit.succeed("prepared")]
          )
          expect(yield* hasher.verifyWhile(digest, Redacted.make("wrong"), failing)).toStrictEqual(
            [false, Exit.fail("bad payload")]
          )
          expect(yield* hasher.verifyWhile("not a hash", password, succeeding)).toStrictEqual(
            [false, Exit.succeed("prepared")]
          )
          expect(yield* Ref.get(runs)).toBe(5)
        })
      ))

    it.effect("verifyWhile gives a defect in meanwhile back as its outcome, with the verdict", () =>
      run((hasher) =>
        Effect.gen(function*() {
          const digest = yield* hasher.hash(password)
          const [verified, exit] = yield* hasher.verifyWhile(digest, password, Effect.dieMessage("boom"))
          expect(verified).toBe(true)
          expect(Exit.isFailure(exit) && exit.cause._tag === "Die").toBe(true)
        })
      ))
  })
