// The MCP server's building blocks, for tests and tools that reuse them; the program itself is main.ts.
export * from "./DaemonClient.js"
export * from "./RenewalSchedule.js"
export * from "./ServerConfig.js"
export * from "./TokenFile.js"
export * from "./TokenPayload.js"
export * from "./TokenSource.js"
export * from "./TokenState.js"
