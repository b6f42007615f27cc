import { useEffect, useId, useState } from "preact/hooks"
import type { WalletView } from "../api/client.js"
import { useApp } from "../lib/context.js"
import { useAction } from "../lib/hooks.js"
import { Dialog } from "./Dialog.js"

export const RenameWalletDialog = (props: {
  readonly wallet: WalletView | undefined
  readonly onClose: () => void
  readonly onRenamed: (wallet: WalletView) => void
}) => {
  const { api, toast } = useApp()
  const inputId = useId()
  const [name, setName] = useState("")
  const rename = useAction((wallet: WalletView, next: string) => api.wallets.rename(wallet.id, next))
  useEffect(() => {
    setName(props.wallet?.name ?? "")
    rename.clearError()
  }, [props.wallet])
  const wallet = props.wallet
  return (
    <Dialog
      open={wallet !== undefined}
      title="Rename wallet"
      confirmLabel="Rename"
      busyLabel="Renaming…"
      busy={rename.busy}
      error={rename.error}
      focusFirstField
      onClose={props.onClose}
      onConfirm={async () => {
        if (wallet === undefined) return
        const renamed = await rename.run(wallet, name.trim())
        if (renamed !== undefined) {
          toast(`Wallet renamed to “${renamed.name}”`, "success")
          props.onRenamed(renamed)
        }
      }}
    >
      <div class="field">
        <label for={inputId}>New name</label>
        <input
          id={inputId}
          type="text"
          value={name}
          maxLength={100}
          required
          onInput={(event) => setName(event.currentTarget.value)}
        />
        <p class="field-help">
          The MCP server name (<code>{wallet?.serverName ?? "waiaas-…"}</code>) stays as it is, so client configs keep working.
        </p>
      </div>
    </Dialog>
  )
}

export const TerminateWalletDialog = (props: {
  readonly wallet: WalletView | undefined
  readonly onClose: () => void
  readonly onTerminated: (wallet: WalletView) => void
}) => {
  const { api, toast } = useApp()
  const terminate = useAction((wallet: WalletView) => api.wallets.terminate(wallet.id))
  useEffect(() => terminate.clearError(), [props.wallet])
  const wallet = props.wallet
  return (
    <Dialog
      open={wallet !== undefined}
      title={`Terminate “${wallet?.name ?? ""}”?`}
      confirmLabel="Terminate wallet"
      busyLabel="Terminating…"
      tone="danger"
      busy={terminate.busy}
      error={terminate.error}
      onClose={props.onClose}
      onConfirm={async () => {
        if (wallet === undefined) return
        const terminated = await terminate.run(wallet)
        if (terminated !== undefined) {
          toast(`Wallet “${terminated.name}” terminated`, "success")
          props.onTerminated(terminated)
        }
      }}
    >
      <p>This cannot be undone.</p>
      <ul class="consequences">
        <li>The wallet is marked terminated and can no longer be renamed or given sessions.</li>
        <li>All its sessions are revoked: API clients using them get 401 from now on.</li>
        <li>
          Its MCP token file is deleted, so the MCP client that uses this wallet
          {wallet?.serverName !== null && wallet?.serverName !== undefined ? <> (<code>{wallet.serverName}</code>)</> : null} stops working.
        </li>
      </ul>
    </Dialog>
  )
}
