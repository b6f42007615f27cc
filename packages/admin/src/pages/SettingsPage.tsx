import { useId, useState } from "preact/hooks"
import type { RevokedAllView, RotatedSecretView } from "../api/client.js"
import { Dialog } from "../components/Dialog.js"
import { PageHeading } from "../components/PageHeading.js"
import { Time } from "../components/Time.js"
import { useApp } from "../lib/context.js"
import { useAction } from "../lib/hooks.js"
import { formatDuration } from "../lib/time.js"

const RotateSecret = () => {
  const { api, rotationGracePeriodSeconds, toast } = useApp()
  const titleId = useId()
  const [confirming, setConfirming] = useState(false)
  const [result, setResult] = useState<RotatedSecretView | undefined>(undefined)
  const rotate = useAction(() => api.admin.rotateSecret())
  return (
    <section class="card" aria-labelledby={titleId}>
      <h2 class="card-title" id={titleId}>Rotate the JWT secret</h2>
      <p>
        Signs every token from now on with a new secret. Use it if a token may have leaked, or as routine hygiene.
      </p>
      <button
        type="button"
        class="button"
        onClick={() => {
          rotate.clearError()
          setConfirming(true)
        }}
      >
        Rotate secret…
      </button>
      {result !== undefined && (
        <div class="notice notice-success" role="status">
          <p>
            Secret rotated. {result.resignedMcpTokens} MCP token {result.resignedMcpTokens === 1 ? "file was" : "files were"} re-signed.
          </p>
          <p>
            Old API tokens stop working at <Time at={result.graceEndsAt} />.
          </p>
        </div>
      )}
      <Dialog
        open={confirming}
        title="Rotate the JWT secret?"
        confirmLabel="Rotate secret"
        busyLabel="Rotating…"
        busy={rotate.busy}
        error={rotate.error}
        onClose={() => setConfirming(false)}
        onConfirm={async () => {
          const rotated = await rotate.run()
          if (rotated === undefined) return
          setResult(rotated)
          setConfirming(false)
          toast("JWT secret rotated", "success")
        }}
      >
        <ul class="consequences">
          <li>
            <strong>Running MCP servers keep working:</strong> their token files are re-signed at once.
          </li>
          <li>
            <strong>API clients using old tokens keep working for {formatDuration(rotationGracePeriodSeconds)}</strong>, then
            get 401 and need a new session.
          </li>
          <li>The secret can be rotated again once that time has passed.</li>
        </ul>
      </Dialog>
    </section>
  )
}

const RevokeAll = () => {
  const { api, toast } = useApp()
  const titleId = useId()
  const [confirming, setConfirming] = useState(false)
  const [result, setResult] = useState<RevokedAllView | undefined>(undefined)
  const revokeAll = useAction(() => api.admin.revokeAll())
  return (
    <section class="card card-danger" aria-labelledby={titleId}>
      <h2 class="card-title" id={titleId}>Revoke all sessions</h2>
      <p>Revokes every session of every wallet at once, and deletes every MCP token file. For emergencies.</p>
      <button
        type="button"
        class="button button-danger"
        onClick={() => {
          revokeAll.clearError()
          setConfirming(true)
        }}
      >
        Revoke all sessions…
      </button>
      {result !== undefined && (
        <p class="notice notice-success" role="status">
          {result.revoked} {result.revoked === 1 ? "session" : "sessions"} revoked, {result.removedFiles} token{" "}
          {result.removedFiles === 1 ? "file" : "files"} deleted.
        </p>
      )}
      <Dialog
        open={confirming}
        title="Revoke every session?"
        confirmLabel="Revoke all sessions"
        busyLabel="Revoking…"
        tone="danger"
        busy={revokeAll.busy}
        error={revokeAll.error}
        onClose={() => setConfirming(false)}
        onConfirm={async () => {
          const revoked = await revokeAll.run()
          if (revoked === undefined) return
          setResult(revoked)
          setConfirming(false)
          toast("All sessions revoked", "success")
        }}
      >
        <ul class="consequences">
          <li>
            <strong>Every MCP client stops working until re-provisioned:</strong> every token file is deleted.
          </li>
          <li>Every API client gets 401 from now on and needs a new session.</li>
          <li>Wallets and their client configs stay; provision each wallet again to restore access.</li>
        </ul>
      </Dialog>
    </section>
  )
}

export const SettingsPage = () => {
  const { inactivityTimeoutSeconds } = useApp()
  const titleId = useId()
  return (
    <section>
      <PageHeading title="Settings" />
      <RotateSecret />
      <RevokeAll />
      <section class="card" aria-labelledby={titleId}>
        <h2 class="card-title" id={titleId}>This browser tab</h2>
        <p>
          The master password is kept in this tab's memory only: reloading or closing the page signs you out, and so do{" "}
          <strong>{formatDuration(inactivityTimeoutSeconds)}</strong> without activity (<code>daemon.admin_timeout</code> in{" "}
          <code>config.toml</code>).
        </p>
      </section>
    </section>
  )
}
