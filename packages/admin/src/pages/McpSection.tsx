import type { ClientSnippet } from "@waiaas/domain/ClientSnippet"
import { McpTokenNotFound } from "@waiaas/domain/Errors"
import { useId, useState } from "preact/hooks"
import type { ApiError } from "../api/ApiError.js"
import type { McpConfigView, WalletView } from "../api/client.js"
import { CopyButton } from "../components/CopyButton.js"
import { Dialog } from "../components/Dialog.js"
import { ErrorNotice } from "../components/ErrorNotice.js"
import { StatusBadge } from "../components/StatusBadge.js"
import { Tabs } from "../components/Tabs.js"
import { Time } from "../components/Time.js"
import { useApp } from "../lib/context.js"
import { useAction, useAsync } from "../lib/hooks.js"

const TTL_CHOICES: ReadonlyArray<{ readonly value: string; readonly label: string }> = [
  { value: "", label: "Daemon default" },
  { value: "3600", label: "1 hour" },
  { value: "28800", label: "8 hours" },
  { value: "86400", label: "24 hours" },
  { value: "259200", label: "3 days" },
  { value: "604800", label: "7 days" }
]

type Os = "macos" | "windows" | "linux"

const OS_LABELS: Record<Os, string> = { macos: "macOS", windows: "Windows", linux: "Linux" }

const thisOs = (): Os => {
  const platform = `${navigator.platform} ${navigator.userAgent}`.toLowerCase()
  return platform.includes("mac") ? "macos" : platform.includes("win") ? "windows" : "linux"
}

/** One client's config: where it goes, the text, a Copy button. */
const SnippetPanel = (props: { readonly snippet: ClientSnippet }) => {
  const snippet = props.snippet
  const codeId = useId()
  const os = thisOs()
  const order: ReadonlyArray<Os> = [os, ...(["macos", "windows", "linux"] as const).filter((o) => o !== os)]
  const paths = order.flatMap((o) => {
    const path = snippet.configPaths[o]
    return path === undefined ? [] : [{ os: o, path }]
  })
  return (
    <div class="snippet">
      <p class="snippet-instructions">{snippet.instructions}</p>
      {paths.length > 0 && (
        <dl class="snippet-paths">
          {paths.map(({ os: o, path }) => (
            <div key={o} class={o === os ? "snippet-path snippet-path-current" : "snippet-path"}>
              <dt>
                {snippet.format === "shell" ? "Writes" : "File"} on {OS_LABELS[o]}
                {o === os && <span class="muted"> (this computer)</span>}
              </dt>
              <dd><code>{path}</code></dd>
            </div>
          ))}
        </dl>
      )}
      <div class="code-block">
        <div class="code-toolbar">
          <span class="code-format">{snippet.format === "shell" ? "Command" : snippet.format.toUpperCase()}</span>
          <CopyButton text={snippet.content} label={`${snippet.label} config`} selectId={codeId} />
        </div>
        <pre id={codeId} class="code" data-client={snippet.client}><code>{snippet.content}</code></pre>
      </div>
    </div>
  )
}

const ClientConfigs = (props: { readonly clients: ReadonlyArray<ClientSnippet> }) => {
  const [selected, setSelected] = useState<string>("claude-desktop")
  const current = props.clients.find((c) => c.client === selected) ?? props.clients[0]
  if (current === undefined) return null
  return (
    <div class="client-configs">
      <h3 class="subheading">Client configuration</h3>
      <p class="muted">
        The config never contains the token: the MCP server reads it from the token file, so it stays valid across
        re-provisioning and secret rotation.
      </p>
      <Tabs
        label="MCP clients"
        tabs={props.clients.map((c) => ({ id: c.client, label: c.label }))}
        selected={current.client}
        onSelect={setSelected}
      >
        <SnippetPanel snippet={current} />
      </Tabs>
    </div>
  )
}

const fileState = (summary: { readonly fileOnDisk: boolean; readonly fileMatches: boolean }): string =>
  !summary.fileOnDisk
    ? "Missing: re-provision to write it again."
    : summary.fileMatches
    ? "On disk, holds the current token."
    : "On disk, but holds another token: re-provision to fix."

export const McpSection = (props: {
  readonly wallet: WalletView
  readonly generation: number
  readonly onChanged: () => void
}) => {
  const { api, toast } = useApp()
  const wallet = props.wallet
  const ttlId = useId()
  const titleId = useId()
  const [ttl, setTtl] = useState("")
  const [confirmRevoke, setConfirmRevoke] = useState(false)
  const config = useAsync<McpConfigView | null>(
    (signal) =>
      api.mcp.config(wallet.id, { signal }).catch((error: ApiError) => {
        if (error.code === McpTokenNotFound.spec.code) return null
        throw error
      }),
    [wallet.id, props.generation]
  )
  const summaries = useAsync((signal) => api.mcp.list({ signal }), [props.generation])
  const summary = summaries.data?.find((s) => s.walletId === wallet.id)
  const active = summary?.status === "ACTIVE"

  const provision = useAction(() => api.mcp.provision(wallet.id, ttl === "" ? undefined : Number(ttl)))
  const revoke = useAction(() => api.mcp.revoke(wallet.id))

  const doProvision = async () => {
    const result = await provision.run()
    if (result === undefined) return
    config.set(result)
    toast(active ? "MCP token re-provisioned: a new token is in the file" : "MCP token provisioned", "success")
    props.onChanged()
  }

  const terminated = wallet.status === "TERMINATED"
  const provisioned = config.data !== null && config.data !== undefined

  return (
    <section class="card" aria-labelledby={titleId}>
      <div class="card-header">
        <h2 class="card-title" id={titleId}>MCP</h2>
        {summary !== undefined && <StatusBadge status={summary.status} />}
      </div>
      <ErrorNotice error={config.error ?? summaries.error} title="Could not load the MCP state" />
      {config.loading && config.data === undefined && <p class="loading">Loading…</p>}

      {config.data === null && !terminated && (
        <p>
          No MCP token yet. Provisioning creates a session for this wallet, writes its token to a file that only the
          daemon's user can read, and gives you the config for your MCP client.
        </p>
      )}
      {terminated && <p class="muted">This wallet is terminated: it cannot be provisioned.</p>}

      {provisioned && config.data && (
        <dl class="facts">
          <div>
            <dt>Server name</dt>
            <dd><code>{config.data.serverName}</code></dd>
          </div>
          <div>
            <dt>Token file</dt>
            <dd>
              <code class="break">{config.data.tokenPath}</code>{" "}
              <CopyButton text={config.data.tokenPath} label="token file path" />
              {summary !== undefined && summary.status === "ACTIVE" && <p class="fact-note">{fileState(summary)}</p>}
            </dd>
          </div>
          <div>
            <dt>{active ? "Expires" : "Expired or revoked"}</dt>
            <dd>
              {summary !== undefined
                ? <Time at={summary.expiresAt} />
                : config.data.expiresAt !== null
                ? <Time at={config.data.expiresAt} />
                : <span class="muted">No token</span>}
              {summary !== undefined && summary.status === "REVOKED" && <p class="fact-note">The token was revoked; the file is gone.</p>}
            </dd>
          </div>
        </dl>
      )}

      {!terminated && config.data !== undefined && (
        <div class="mcp-actions">
          <div class="field">
            <label for={ttlId}>Token lifetime</label>
            <select id={ttlId} value={ttl} onChange={(event) => setTtl(event.currentTarget.value)}>
              {TTL_CHOICES.map((choice) => <option key={choice.value} value={choice.value}>{choice.label}</option>)}
            </select>
          </div>
          <div class="button-row">
            <button type="button" class="button button-primary" onClick={doProvision} disabled={provision.busy}>
              {provision.busy ? "Provisioning…" : active ? "Re-provision" : "Provision MCP token"}
            </button>
            {active && (
              <button type="button" class="button button-danger-quiet" onClick={() => setConfirmRevoke(true)}>
                Revoke
              </button>
            )}
          </div>
          {active && (
            <p class="field-help mcp-help">
              Re-provisioning revokes the current token and writes a new one to the same file; a running MCP server
              picks it up from there.
            </p>
          )}
        </div>
      )}
      <ErrorNotice error={provision.error} title="Provisioning failed" />

      {provisioned && config.data && <ClientConfigs clients={config.data.clients} />}

      <Dialog
        open={confirmRevoke}
        title="Revoke the MCP token?"
        confirmLabel="Revoke token"
        busyLabel="Revoking…"
        tone="danger"
        busy={revoke.busy}
        error={revoke.error}
        onClose={() => setConfirmRevoke(false)}
        onConfirm={async () => {
          const result = await revoke.run()
          if (result === undefined) return
          setConfirmRevoke(false)
          toast("MCP token revoked and its file deleted", "success")
          props.onChanged()
        }}
      >
        <ul class="consequences">
          <li>The MCP session of “{wallet.name}” is revoked and its token file is deleted.</li>
          <li>
            The MCP client using <code>{config.data?.serverName ?? "this wallet"}</code> stops working until you provision
            again.
          </li>
          <li>The client config stays the same: after provisioning again, no change is needed in the client.</li>
        </ul>
      </Dialog>
    </section>
  )
}
