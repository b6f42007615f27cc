const tones: Record<string, string> = {
  ACTIVE: "ok",
  EXPIRED: "muted",
  REVOKED: "warn",
  TERMINATED: "muted"
}

const labels: Record<string, string> = {
  ACTIVE: "Active",
  EXPIRED: "Expired",
  REVOKED: "Revoked",
  TERMINATED: "Terminated"
}

export const StatusBadge = (props: { readonly status: string }) => (
  <span class={`badge badge-${tones[props.status] ?? "muted"}`}>{labels[props.status] ?? props.status}</span>
)
