import { useId, useState } from "preact/hooks"
import type { SessionRow, WalletView } from "../api/client.js"
import { Dialog } from "../components/Dialog.js"
import { ErrorNotice } from "../components/ErrorNotice.js"
import { StatusBadge } from "../components/StatusBadge.js"
import { RelativeTime } from "../components/Time.js"
import { useApp } from "../lib/context.js"
import { useAction, useAsync } from "../lib/hooks.js"
import { formatAbsolute } from "../lib/time.js"

const shortId = (id: string) => `${id.slice(0, 8)}…${id.slice(-4)}`

export const SessionsSection = (props: {
  readonly wallet: WalletView
  readonly generation: number
  readonly onChanged: () => void
}) => {
  const { api, toast } = useApp()
  const titleId = useId()
  const toggleId = useId()
  const [activeOnly, setActiveOnly] = useState(false)
  const [revoking, setRevoking] = useState<SessionRow | undefined>(undefined)
  const sessions = useAsync(
    (signal) => api.sessions.list(activeOnly ? { walletId: props.wallet.id, status: "ACTIVE" } : { walletId: props.wallet.id }, { signal }),
    [props.wallet.id, props.generation, activeOnly]
  )
  const revoke = useAction((session: SessionRow) => api.sessions.revoke(session.id))
  const rows = sessions.data ?? []

  return (
    <section class="card" aria-labelledby={titleId}>
      <div class="card-header">
        <h2 class="card-title" id={titleId}>Sessions</h2>
        <div class="card-tools">
          <label class="checkbox" for={toggleId}>
            <input id={toggleId} type="checkbox" checked={activeOnly} onChange={(event) => setActiveOnly(event.currentTarget.checked)} />
            Active only
          </label>
          <button type="button" class="button button-small" onClick={sessions.reload} disabled={sessions.loading}>
            Refresh
          </button>
        </div>
      </div>
      <ErrorNotice error={sessions.error} title="Could not load the sessions" />
      {sessions.loading && sessions.data === undefined && <p class="loading">Loading sessions…</p>}
      {sessions.data !== undefined && rows.length === 0 && (
        <p class="empty">{activeOnly ? "No active sessions." : "No sessions yet."}</p>
      )}
      {rows.length > 0 && (
        <table class="table table-stack" aria-labelledby={titleId}>
          <thead>
            <tr>
              <th scope="col">Session</th>
              <th scope="col">Source</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Renewals</th>
              <th scope="col"><span class="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {rows.map((session) => (
              <tr key={session.id} class={session.status === "ACTIVE" ? undefined : "row-muted"}>
                <td data-label="Session"><code title={session.id}>{shortId(session.id)}</code></td>
                <td data-label="Source">{session.source === "mcp" ? "MCP" : "API"}</td>
                <td data-label="Status"><StatusBadge status={session.status} /></td>
                <td data-label="Created"><RelativeTime at={session.createdAt} /></td>
                <td data-label={session.status === "REVOKED" ? "Revoked" : "Expires"}>
                  {session.status === "REVOKED" && session.revokedAt !== null
                    ? <RelativeTime at={session.revokedAt} />
                    : <RelativeTime at={session.expiresAt} />}
                </td>
                <td data-label="Renewals">
                  <span title={session.lastRenewedAt === null ? "Never renewed" : `Last renewed ${formatAbsolute(session.lastRenewedAt)}`}>
                    {session.renewalCount} of {session.maxRenewals}
                  </span>
                </td>
                <td class="actions">
                  {session.status === "ACTIVE" && (
                    <button
                      type="button"
                      class="button button-small button-danger-quiet"
                      aria-label={`Revoke session ${shortId(session.id)}`}
                      onClick={() => {
                        revoke.clearError()
                        setRevoking(session)
                      }}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Dialog
        open={revoking !== undefined}
        title="Revoke this session?"
        confirmLabel="Revoke session"
        busyLabel="Revoking…"
        tone="danger"
        busy={revoke.busy}
        error={revoke.error}
        onClose={() => setRevoking(undefined)}
        onConfirm={async () => {
          if (revoking === undefined) return
          const result = await revoke.run(revoking)
          if (result === undefined) return
          setRevoking(undefined)
          toast("Session revoked", "success")
          props.onChanged()
        }}
      >
        {revoking?.source === "mcp"
          ? (
            <p>
              This is the wallet's MCP session: its token file is deleted and the MCP client stops working until you
              provision again.
            </p>
          )
          : <p>Any API client using this session's token gets 401 from now on. It cannot be renewed.</p>}
        {revoking !== undefined && <p class="muted">Session <code>{revoking.id}</code></p>}
      </Dialog>
    </section>
  )
}
