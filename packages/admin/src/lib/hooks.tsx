import { useCallback, useEffect, useRef, useState } from "preact/hooks"
import { ApiError } from "../api/ApiError.js"
import { nowSeconds } from "./time.js"

export interface AsyncState<A> {
  readonly data: A | undefined
  readonly error: ApiError | undefined
  readonly loading: boolean
  /** Loads again; keeps showing the previous data meanwhile. */
  readonly reload: () => void
  /** Replaces the data (e.g. with what a mutation returned). */
  readonly set: (data: A) => void
}

const asApiError = (error: unknown): ApiError =>
  error instanceof ApiError
    ? error
    : new ApiError({ kind: "unexpected", code: "UNEXPECTED", message: error instanceof Error ? error.message : String(error) })

/** Runs `load` on mount and whenever `deps` change; cancels the previous call. */
export const useAsync = <A,>(load: (signal: AbortSignal) => Promise<A>, deps: ReadonlyArray<unknown>): AsyncState<A> => {
  const [data, setData] = useState<A | undefined>(undefined)
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const [loading, setLoading] = useState(true)
  const [generation, setGeneration] = useState(0)
  useEffect(() => {
    const controller = new AbortController()
    setLoading(true)
    load(controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return
        setData(value)
        setError(undefined)
        setLoading(false)
      },
      (cause: unknown) => {
        if (controller.signal.aborted) return
        const apiError = asApiError(cause)
        if (apiError.kind === "aborted") return
        setError(apiError)
        setLoading(false)
      }
    )
    return () => controller.abort()
  }, [...deps, generation])
  const reload = useCallback(() => setGeneration((n) => n + 1), [])
  return { data, error, loading, reload, set: setData }
}

export interface Action<Args extends ReadonlyArray<unknown>, A> {
  readonly run: (...args: Args) => Promise<A | undefined>
  readonly busy: boolean
  readonly error: ApiError | undefined
  readonly clearError: () => void
}

/** A mutation: `busy` while it runs, its error kept for display; resolves undefined when it failed. */
export const useAction = <Args extends ReadonlyArray<unknown>, A>(perform: (...args: Args) => Promise<A>): Action<Args, A> => {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const mounted = useRef(true)
  useEffect(() => () => void (mounted.current = false), [])
  const run = useCallback(async (...args: Args) => {
    setBusy(true)
    setError(undefined)
    try {
      return await perform(...args)
    } catch (cause) {
      const apiError = asApiError(cause)
      if (mounted.current && apiError.kind !== "aborted") setError(apiError)
      return undefined
    } finally {
      if (mounted.current) setBusy(false)
    }
  }, [perform])
  return { run, busy, error, clearError: useCallback(() => setError(undefined), []) }
}

/** The current time in epoch seconds, refreshed every `everyMs` (relative times stay true). */
export const useNow = (everyMs = 15_000): number => {
  const [now, setNow] = useState(nowSeconds)
  useEffect(() => {
    const timer = setInterval(() => setNow(nowSeconds()), everyMs)
    return () => clearInterval(timer)
  }, [everyMs])
  return now
}

/** Whole seconds left until `untilSeconds` (epoch, fractional), re-rendering as it counts; 0 once reached. */
export const useCountdown = (untilSeconds: number | undefined): number => {
  useNow(250)
  return untilSeconds === undefined ? 0 : Math.max(0, Math.ceil(untilSeconds - Date.now() / 1000))
}

/** The epoch time (fractional seconds) `seconds` from now: what `useCountdown` counts down to. */
export const deadlineIn = (seconds: number): number => Date.now() / 1000 + seconds

const ACTIVITY_EVENTS = ["pointerdown", "pointermove", "keydown", "wheel", "touchstart", "focusin"] as const

/**
 * Inactivity: calls `onIdle` after `timeoutSeconds` without input, and reports the seconds left during
 * the last `warnSeconds` (undefined before that). Input anywhere in the page resets it.
 */
export const useInactivity = (
  active: boolean,
  timeoutSeconds: number,
  warnSeconds: number,
  onIdle: () => void
): number | undefined => {
  const [secondsLeft, setSecondsLeft] = useState<number | undefined>(undefined)
  const lastActivity = useRef(Date.now())
  const onIdleRef = useRef(onIdle)
  onIdleRef.current = onIdle
  useEffect(() => {
    if (!active) return
    lastActivity.current = Date.now()
    setSecondsLeft(undefined)
    const touch = () => {
      lastActivity.current = Date.now()
    }
    for (const type of ACTIVITY_EVENTS) document.addEventListener(type, touch, { passive: true, capture: true })
    const tick = setInterval(() => {
      const idleMs = Date.now() - lastActivity.current
      const left = Math.ceil(timeoutSeconds - idleMs / 1000)
      if (left <= 0) {
        clearInterval(tick)
        setSecondsLeft(undefined)
        onIdleRef.current()
      } else setSecondsLeft(left <= warnSeconds ? left : undefined)
    }, Math.min(1000, timeoutSeconds * 250))
    return () => {
      clearInterval(tick)
      for (const type of ACTIVITY_EVENTS) document.removeEventListener(type, touch, { capture: true })
    }
  }, [active, timeoutSeconds, warnSeconds])
  return secondsLeft
}
