// The hidden marker that finds the gate's own PR comment again (one comment per gate name,
// updated in place).

/**
 * "<!-- accuracy-gate:NAME -->". The name is percent-encoded where it could end or break an HTML
 * comment: anything outside a safe set, and every "--" (an HTML comment may not contain "--").
 */
export function commentMarker(gateName: string): string {
  const safe = gateName
    .replace(/[^A-Za-z0-9._\-/:@+ ]/gu, (ch) => encodeURIComponent(ch).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .replace(/--/g, '-%2D');
  return `<!-- accuracy-gate:${safe} -->`;
}
