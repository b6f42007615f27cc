import { defaultClientConditions, defineConfig } from "vite"

// The Admin UI is served by the daemon at /admin/ under a strict Content-Security-Policy
// (script-src 'self'; style-src 'self'): the build must contain no inline script or style, and
// nothing loaded from elsewhere.
export default defineConfig({
  base: "/admin/",
  // `@waiaas/domain` resolves to its TypeScript sources, as in the tests.
  resolve: { conditions: ["source", ...defaultClientConditions] },
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  // `npm run dev -w @waiaas/admin`: the API of a daemon running on WAIAAS_DAEMON_URL (default :3100).
  server: {
    proxy: Object.fromEntries(
      ["/v1", "/health", "/admin/settings.json"].map((path) => [path, process.env.WAIAAS_DAEMON_URL ?? "http://127.0.0.1:3100"])
    )
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // The polyfill is an inline <script>; every browser we support has modulepreload.
    modulePreload: { polyfill: false },
    // No data: URLs for fonts or scripts (font-src falls back to 'self').
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: true
  }
})
