// Escaping for report.html. Everything shown comes from logs, judgments and PR-controlled config,
// so every string goes through `esc`, and data and scripts are embedded so that nothing inside them
// can end their <script> element early.

import { createHash } from 'node:crypto';

/** Text for HTML content and double- or single-quoted attribute values. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * JSON for a <script type="application/json"> block. Every "<" becomes \u003c (still valid JSON, the
 * same string after JSON.parse), so neither "</script" nor "<!--" can appear in the element.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/**
 * JavaScript for an inline <script>: "</script" and "<!--" cannot occur in it any more. In a
 * string or regular expression literal "<\/" means "</" and "<\!" means "<!", and minified library
 * code has them nowhere else.
 */
export function scriptForHtml(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** CSS for an inline <style>: it may not contain "</style". */
export function styleForHtml(css: string): string {
  return css.replace(/<\/(style)/gi, '<\\/$1');
}

/** The CSP source that allows exactly this inline script: 'sha256-…'. */
export function scriptHash(js: string): string {
  return `'sha256-${createHash('sha256').update(js, 'utf8').digest('base64')}'`;
}

/** An http(s) URL for an href, or undefined (javascript:, data: and the like are never linked). */
export function safeUrl(url: string | undefined): string | undefined {
  return url && /^https?:\/\/[^\s]+$/i.test(url) ? url : undefined;
}
