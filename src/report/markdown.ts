// Markdown building blocks for report.md: escaping of untrusted text (reasons, paths, labels come
// from logs and PR-controlled config) and tables that shrink to a byte budget.

import { byteSize, clip } from './format.js';

/**
 * Text safe inside a table cell or list item: one line, no HTML (a stray "</details>" or
 * "<!--" must not change the comment's structure), no Markdown emphasis, links or pipes.
 */
export function mdText(s: string, max = 300): string {
  return clip(s.replace(/[\r\n\t]+/g, ' ').trim(), max)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~#])/g, '\\$1');
}

/** A link, or the plain text when the URL is not http(s). */
export function mdLink(text: string, url: string | undefined): string | undefined {
  if (!url || !/^https?:\/\/[^\s]+$/i.test(url)) return undefined;
  const safe = url.replace(/[()<>"'` ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `[${mdText(text)}](${safe})`;
}

export function tableHead(headers: string[]): string {
  return `| ${headers.join(' | ')} |\n|${headers.map(() => '---').join('|')}|\n`;
}

export function tableRow(cells: string[]): string {
  return `| ${cells.join(' | ')} |\n`;
}

export function truncationNote(more: number): string {
  return `\n_(truncated: ${more} more ${more === 1 ? 'row' : 'rows'}; see the artifact)_\n`;
}

/**
 * `prefix + rows + suffix` within `budget` bytes: as many rows as fit, then a truncation note.
 * When not even one row fits, a one-line note naming the section; '' when that does not fit either.
 */
export function fitRows(prefix: string, rows: string[], suffix: string, budget: number, what: string): string {
  const sizes = rows.map(byteSize);
  const fixed = byteSize(prefix) + byteSize(suffix);
  const total = fixed + sizes.reduce((a, b) => a + b, 0);
  if (total <= budget) return prefix + rows.join('') + suffix;
  const noteSize = byteSize(truncationNote(rows.length));
  let used = fixed + noteSize;
  let kept = 0;
  while (kept < rows.length && used + sizes[kept] <= budget) used += sizes[kept++];
  if (kept > 0) return prefix + rows.slice(0, kept).join('') + truncationNote(rows.length - kept) + suffix;
  const omitted = `_${what} omitted (truncated: ${rows.length} more ${rows.length === 1 ? 'row' : 'rows'}; see the artifact)_\n`;
  return byteSize(omitted) <= budget ? omitted : '';
}
