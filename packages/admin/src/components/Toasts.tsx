import type { ToastKind } from "../lib/context.js"

export interface ToastMessage {
  readonly id: number
  readonly message: string
  readonly kind: ToastKind
}

/** Short confirmations, announced politely; each can be dismissed, all fade after a few seconds. */
export const Toasts = (props: { readonly toasts: ReadonlyArray<ToastMessage>; readonly onDismiss: (id: number) => void }) => (
  <div class="toasts" role="status" aria-live="polite" aria-relevant="additions">
    {props.toasts.map((toast) => (
      <div key={toast.id} class={`toast toast-${toast.kind}`}>
        <span>{toast.message}</span>
        <button type="button" class="toast-close" aria-label="Dismiss" onClick={() => props.onDismiss(toast.id)}>
          ×
        </button>
      </div>
    ))}
  </div>
)
