import type { ComponentChildren } from "preact"
import { useEffect, useId, useRef } from "preact/hooks"
import type { ApiError } from "../api/ApiError.js"
import { ErrorNotice } from "./ErrorNotice.js"

/**
 * A modal `<dialog>`: the browser traps focus and closes it on Escape; focus returns to what opened it.
 * The body is a form, so Enter confirms.
 */
export const Dialog = (props: {
  readonly open: boolean
  readonly title: string
  readonly children: ComponentChildren
  readonly confirmLabel: string
  readonly busyLabel?: string
  readonly tone?: "danger" | "primary"
  readonly busy?: boolean
  readonly error?: ApiError | undefined
  readonly onConfirm: () => void
  readonly onClose: () => void
  /** Focus the first field instead of Cancel (forms); destructive confirmations focus Cancel. */
  readonly focusFirstField?: boolean
}) => {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  const bodyId = useId()
  // Mounted only while open: showModal on open, focus back to the opener on close.
  useEffect(() => {
    const dialog = ref.current
    if (!props.open || dialog === null) return
    const opener = document.activeElement
    dialog.showModal()
    const target = props.focusFirstField === true
      ? dialog.querySelector<HTMLElement>("input, select, textarea")
      : dialog.querySelector<HTMLElement>("[data-cancel]")
    target?.focus()
    return () => {
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus()
    }
  }, [props.open])
  if (!props.open) return null
  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onCancel={(event) => {
        event.preventDefault()
        if (props.busy !== true) props.onClose()
      }}
    >
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault()
          if (props.busy !== true) props.onConfirm()
        }}
      >
        <h2 id={titleId} class="dialog-title">{props.title}</h2>
        <div id={bodyId} class="dialog-body">{props.children}</div>
        <ErrorNotice error={props.error} compact />
        <div class="dialog-actions">
          <button type="button" class="button" data-cancel onClick={props.onClose} disabled={props.busy === true}>
            Cancel
          </button>
          <button type="submit" class={`button button-${props.tone ?? "primary"}`} disabled={props.busy === true}>
            {props.busy === true ? props.busyLabel ?? "Working…" : props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  )
}
