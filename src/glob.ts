// The one glob translator: `*` and `?` stay within a path segment, a `**` segment spans any number
// of segments. Callers decide the anchoring (artifact globs match at any depth, lm-eval result
// paths are anchored at the arm's dir).

function segmentRegExp(segment: string): string {
  let out = '';
  for (const ch of segment.replace(/\*+/g, '*')) {
    if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else out += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return out;
}

/** RegExp source (no anchors) of a POSIX glob's segments. */
export function globBody(segments: readonly string[]): string {
  let body = '';
  segments.forEach((seg, i) => {
    const last = i === segments.length - 1;
    if (seg === '**') body += last ? '.*' : '(?:[^/]+/)*';
    else body += segmentRegExp(seg) + (last ? '' : '/');
  });
  return body;
}
