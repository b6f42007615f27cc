import { useEffect, useId, useMemo, useRef } from "preact/hooks"
import { ErrorNotice } from "../components/ErrorNotice.js"
import { useApp } from "../lib/context.js"
import { deadlineIn, useAction, useCountdown } from "../lib/hooks.js"
import { formatDuration } from "../lib/time.js"

export type LogoutReason = "manual" | "inactivity" | "unauthorized"

const reasonText = (reason: LogoutReason | undefined, timeout: number): string | undefined => {
  switch (reason) {
    case "inactivity":
      return `You were signed out after ${formatDuration(timeout)} without activity.`
    case "unauthorized":
      return "The daemon no longer accepts the password this page had (it was changed, or the daemon was restarted on another data directory). Sign in again."
    case "manual":
      return "You signed out."
    case undefined:
      return undefined
  }
}

export const LoginPage = (props: {
  readonly reason: LogoutReason | undefined
  readonly inactivityTimeoutSeconds: number
  readonly onSignedIn: (password: string) => void
}) => {
  const { api } = useApp()
  const inputId = useId()
  const helpId = useId()
  const input = useRef<HTMLInputElement>(null)
  const login = useAction((password: string) => api.login(password))
  // A lockout (429, or the failure that starts one) says when the next attempt may succeed; the button waits.
  const lockedUntil = useMemo(
    () => login.error?.retryAfter !== undefined ? deadlineIn(login.error.retryAfter) : undefined,
    [login.error]
  )
  const lockedFor = useCountdown(lockedUntil)

  useEffect(() => {
    document.title = "Sign in · WAIaaS Admin"
    input.current?.focus()
  }, [])
  useEffect(() => {
    if (login.error !== undefined) input.current?.select()
  }, [login.error])

  const reason = reasonText(props.reason, props.inactivityTimeoutSeconds)
  return (
    <main id="main" class="login">
      <form
        class="card login-card"
        onSubmit={async (event) => {
          event.preventDefault()
          const password = input.current?.value ?? ""
          if (password === "") return
          const wallets = await login.run(password)
          if (wallets !== undefined) {
            if (input.current !== null) input.current.value = ""
            props.onSignedIn(password)
          }
        }}
      >
        <h1 class="login-title">
          WAIaaS <span class="brand-sub">Admin</span>
        </h1>
        {reason !== undefined && <p class="notice notice-info" role="status">{reason}</p>}
        <div class="field">
          <label for={inputId}>Master password</label>
          <input
            ref={input}
            id={inputId}
            name="password"
            type="password"
            autoComplete="current-password"
            required
            aria-describedby={helpId}
            aria-invalid={login.error?.status === 401 ? true : undefined}
            disabled={login.busy}
          />
          <p id={helpId} class="field-help">
            The password the daemon was first started with. It stays in this tab's memory only, and is forgotten
            after {formatDuration(props.inactivityTimeoutSeconds)} without activity.
          </p>
        </div>
        <ErrorNotice error={login.error} compact />
        <button type="submit" class="button button-primary button-block" disabled={login.busy || lockedFor > 0}>
          {login.busy ? "Checking…" : lockedFor > 0 ? `Locked, wait ${lockedFor} s` : "Sign in"}
        </button>
      </form>
    </main>
  )
}
