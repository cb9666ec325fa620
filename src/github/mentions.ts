// GitHub turns "@user" and "@org/team" in a comment into notifications. A PR controls text the gate
// posts (arm labels in its config, its log tails): "@acme/maintainers" in a label would page a
// team on every run. A zero-width space after the "@" keeps the text as it reads and notifies
// nobody (GitHub's mention needs a letter or digit right after the "@").

/** `md` with every "@name" escaped, outside HTML comments (the gate's hidden marker stays byte-exact). */
export function escapeMentions(md: string): string {
  return md
    .split(/(<!--[\s\S]*?-->)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/(^|[^A-Za-z0-9])@(?=[A-Za-z0-9])/g, '$1@\u200b')))
    .join('');
}
