// Browser origins allowed to open a WebSocket. Browsers always send Origin on
// a WebSocket upgrade and scripts cannot forge it, so the check stops other
// web pages from using a visitor's network position; non-browser clients send
// no Origin and are governed by API keys instead.

export function originAllowed(
  origin: string | undefined,
  allowedOrigins: readonly string[],
): boolean {
  if (origin === undefined || allowedOrigins.length === 0 || allowedOrigins.includes('*'))
    return true;
  let normalized: string;
  try {
    normalized = new URL(origin).origin;
  } catch {
    return false;
  }
  return allowedOrigins.some((allowed) => new URL(allowed).origin === normalized);
}
