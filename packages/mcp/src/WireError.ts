import type { ErrorSpec } from "@waiaas/domain"

/**
 * The code, status and hint of an error decoded from the daemon's JSON: every wire error class carries
 * them once, as its static `spec` (domain Errors.ts), so nothing here repeats a code.
 */
export const wireSpecOf = (error: object): ErrorSpec | undefined => {
  const spec: unknown = (error.constructor as { readonly spec?: unknown }).spec
  return typeof spec === "object" && spec !== null && "code" in spec ? (spec as ErrorSpec) : undefined
}

/** `CODE: message` for logs and reasons, e.g. `SESSION_REVOKED: Session has been revoked`. */
export const describeWireError = (error: { readonly message: string; readonly _tag: string }): string =>
  `${wireSpecOf(error)?.code ?? error._tag}: ${error.message}`
