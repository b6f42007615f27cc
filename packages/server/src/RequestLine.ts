/**
 * The log message of one answered request. Logged as a message object rather than as annotations, which
 * cost more per request than the request itself; the daemon's logger (BatchedLogFmt) renders its fields as
 * logfmt pairs, and any other logger gets the same pairs from `toString`.
 */
export class RequestLine {
  constructor(
    readonly method: string,
    /** Already without query string and tokens. */
    readonly path: string,
    readonly status: number,
    readonly durationMs: number,
    readonly requestId: string
  ) {}

  /** `message=request method=… path=… status=… durationMs=… requestId=…` */
  pairs(): string {
    return `message=request method=${logfmtValue(this.method)} path=${logfmtValue(this.path)} status=${this.status} ` +
      `durationMs=${this.durationMs} requestId=${logfmtValue(this.requestId)}`
  }

  toString(): string {
    return this.pairs()
  }
}

/** A logfmt value as Effect's logfmt logger writes it: bare when it has no space, quote or `=`. */
export const logfmtValue = (value: string): string => /^[^\s"=]*$/.test(value) ? value : JSON.stringify(value)
