/** Longest slug `toSlug` returns. */
export const SLUG_MAX_LENGTH = 32

const SERVER_PREFIX = "waiaas-"
/** Room left for the name part of a server name, so that even the suffixed form stays within 32 characters. */
const SERVER_SLUG_MAX_LENGTH = 17

const trimDashes = (s: string): string => s.replace(/^-+|-+$/g, "")

/**
 * A file- and config-key-safe slug of any Unicode name: `[a-z0-9-]`, no leading, trailing or double dash,
 * at most `maxLength` characters, never empty ("wallet" when nothing of the name survives).
 */
export const toSlug = (name: string, maxLength: number = SLUG_MAX_LENGTH): string => {
  const ascii = name.normalize("NFKD").replace(/\p{M}+/gu, "").toLowerCase()
  const slug = trimDashes(trimDashes(ascii.replace(/[^a-z0-9]+/g, "-")).slice(0, maxLength))
  return slug === "" ? "wallet" : slug
}

/** FNV-1a, 32 bits: a small, stable hash for collision suffixes (not for security). */
const fnv1a = (input: string): number => {
  let hash = 0x811c9dc5
  for (let i = 0; i < input.length; i++) {
    hash ^= input.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash
}

export const shortHash = (input: string): string => fnv1a(input).toString(36).padStart(7, "0")

/**
 * The server names to try for a wallet, in order: `waiaas-<slug>`, then the same with a suffix derived
 * from the wallet id (deterministic, unlike a counter), then one built from the id alone.
 */
export const serverNameCandidates = (walletName: string, walletId: string): ReadonlyArray<string> => {
  const base = `${SERVER_PREFIX}${toSlug(walletName, SERVER_SLUG_MAX_LENGTH)}`
  return [base, `${base}-${shortHash(walletId)}`, `${SERVER_PREFIX}${walletId.replace(/-/g, "").slice(-24)}`]
}
