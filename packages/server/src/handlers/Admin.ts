import { HttpApiBuilder } from "@effect/platform"
import { Api, listEvents, revokeAllSessions, rotateSecret } from "@waiaas/domain"

export const AdminLive = HttpApiBuilder.group(Api, "admin", (handlers) =>
  handlers
    .handle("rotateSecret", () => rotateSecret())
    .handle("revokeAll", () => revokeAllSessions())
    .handle("events", ({ urlParams }) => listEvents(urlParams)))
