/**
 * Security headers on every answer: the web app, the API, the OGC API's HTML pages, tiles,
 * errors. Nothing Safeground serves needs another origin, an inline script or a frame.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  // No inline script anywhere: the web app is one bundled module, the HTML pages have none.
  "script-src 'self'",
  // Inline styles are allowed: the OGC API's HTML pages and the printable minefield-record report
  // carry their own <style>, and MapLibre sets style attributes on its controls and popups.
  // A style cannot run script, so this does not reopen what script-src closes.
  "style-src 'self' 'unsafe-inline'",
  // MapLibre decodes sprites and raster tiles into data: and blob: images, and starts its
  // workers from a blob: URL.
  "img-src 'self' data: blob:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  // For browsers that predate frame-ancestors.
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};
