import { useRef, useState } from "preact/hooks"
import { useApp } from "../lib/context.js"

/** Copies `text`; if the clipboard is unavailable, selects the element `selectId` so Ctrl+C works. */
export const CopyButton = (props: { readonly text: string; readonly label: string; readonly selectId?: string; readonly class?: string }) => {
  const { toast } = useApp()
  const [copied, setCopied] = useState(false)
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text)
      setCopied(true)
      clearTimeout(timer.current)
      timer.current = setTimeout(() => setCopied(false), 2000)
      toast(`${props.label}: copied to the clipboard`, "success")
    } catch {
      const target = props.selectId === undefined ? null : document.getElementById(props.selectId)
      if (target !== null) {
        const range = document.createRange()
        range.selectNodeContents(target)
        const selection = window.getSelection()
        selection?.removeAllRanges()
        selection?.addRange(range)
      }
      toast("The browser did not allow copying; the text is selected, press Ctrl+C (⌘C).", "info")
    }
  }
  return (
    <button type="button" class={props.class ?? "button button-small"} onClick={copy} aria-label={`Copy ${props.label}`}>
      {copied ? "Copied" : "Copy"}
    </button>
  )
}
