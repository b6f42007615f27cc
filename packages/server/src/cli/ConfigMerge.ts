import { Either } from "effect"

// Merging our server entries into a client's parsed config (JSON or TOML, both plain object trees).
// Pure and persistent: the input document is never modified, only the objects on the entry's path are copied.

export type ConfigObject = Record<string, unknown>

/** What an entry needs to be merged: `value` goes under `containerPath`, keyed by `name`. */
export interface MergeableEntry {
  readonly containerPath: ReadonlyArray<string>
  readonly name: string
  readonly value: Record<string, unknown>
}

export type EntryChange = "added" | "replaced" | "unchanged"

export interface EntryOutcome {
  readonly name: string
  readonly change: EntryChange
}

export interface MergedConfig {
  readonly document: ConfigObject
  readonly entries: ReadonlyArray<EntryOutcome>
  /** The other entries of the container, which the merge kept as they were. */
  readonly kept: ReadonlyArray<string>
}

/** Something on the container path exists but is not an object (e.g. `"mcpServers": []`). */
export interface ContainerNotAnObject {
  readonly _tag: "ContainerNotAnObject"
  readonly path: ReadonlyArray<string>
}

export const isConfigObject = (value: unknown): value is ConfigObject =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date)

/** Structural equality of parsed config values; object key order does not matter, array order does. */
export const deepEqual = (a: unknown, b: unknown): boolean => {
  if (Object.is(a, b)) return true
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && String(a) === String(b) && a.getTime() === b.getTime()
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]))
  }
  if (isConfigObject(a) && isConfigObject(b)) {
    const keys = Object.keys(a)
    return keys.length === Object.keys(b).length &&
      keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && deepEqual(a[key], b[key]))
  }
  return false
}

const withKey = (object: ConfigObject, key: string, value: unknown): ConfigObject => {
  const copy: ConfigObject = { ...object }
  // Defined, not assigned: a key such as "__proto__" must stay a plain key.
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true })
  return copy
}

/**
 * The document with `value` at `path`, objects on the way created as needed; fails if one of them exists
 * but is not an object. `update` receives the previous value at the end of the path (undefined if none).
 */
const updateAt = (
  document: ConfigObject,
  path: ReadonlyArray<string>,
  update: (previous: unknown) => unknown,
  walked: ReadonlyArray<string> = []
): Either.Either<ConfigObject, ContainerNotAnObject> => {
  const [key, ...rest] = path
  if (key === undefined) return Either.right(document)
  const current = Object.prototype.hasOwnProperty.call(document, key) ? document[key] : undefined
  if (rest.length === 0) return Either.right(withKey(document, key, update(current)))
  if (current !== undefined && !isConfigObject(current)) {
    return Either.left({ _tag: "ContainerNotAnObject", path: [...walked, key] })
  }
  return Either.map(updateAt(current ?? {}, rest, update, [...walked, key]), (inner) => withKey(document, key, inner))
}

const valueAt = (document: ConfigObject, path: ReadonlyArray<string>): unknown =>
  path.reduce<unknown>(
    (node, key) => isConfigObject(node) && Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined,
    document
  )

/**
 * Our entry replaces the one of the same name, but keys the user added to it and we do not set
 * (`disabled`, `autoApprove`, `trust`, …) survive.
 */
const mergedEntryValue = (previous: unknown, value: Record<string, unknown>): Record<string, unknown> =>
  isConfigObject(previous) ? { ...previous, ...value } : value

/** One entry merged into the document. */
export const mergeEntry = (
  document: ConfigObject,
  entry: MergeableEntry
): Either.Either<{ readonly document: ConfigObject; readonly change: EntryChange }, ContainerNotAnObject> => {
  const container = valueAt(document, entry.containerPath)
  if (container !== undefined && !isConfigObject(container)) {
    return Either.left({ _tag: "ContainerNotAnObject", path: entry.containerPath })
  }
  const previous = container === undefined || !Object.prototype.hasOwnProperty.call(container, entry.name)
    ? undefined
    : container[entry.name]
  const next = mergedEntryValue(previous, entry.value)
  const change: EntryChange = previous === undefined ? "added" : deepEqual(previous, next) ? "unchanged" : "replaced"
  return Either.map(
    updateAt(document, [...entry.containerPath, entry.name], () => next),
    (updated) => ({ document: updated, change })
  )
}

/** Every entry merged in turn (they share one container); `kept` lists the container's other entries. */
export const mergeEntries = (
  document: ConfigObject,
  entries: ReadonlyArray<MergeableEntry>
): Either.Either<MergedConfig, ContainerNotAnObject> =>
  Either.gen(function*() {
    let current = document
    const outcomes: Array<EntryOutcome> = []
    for (const entry of entries) {
      const merged = yield* mergeEntry(current, entry)
      current = merged.document
      outcomes.push({ name: entry.name, change: merged.change })
    }
    const ours = new Set(entries.map((entry) => entry.name))
    const container = entries[0] === undefined ? undefined : valueAt(current, entries[0].containerPath)
    const kept = isConfigObject(container) ? Object.keys(container).filter((name) => !ours.has(name)) : []
    return { document: current, entries: outcomes, kept }
  })
