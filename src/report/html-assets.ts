// The uPlot files report.html inlines. In the bundles (dist/) esbuild embeds them as strings through
// the `text` import attribute, so the action and the CLI need no node_modules at run time. Unbundled
// (vitest), the attribute is not honoured: the imports are then not the files' text (Vite hands over
// the script as a module and the stylesheet as an empty string), and the files are read from
// node_modules instead.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import uplotJsText from 'uplot/dist/uPlot.iife.min.js' with { type: 'text' };
import uplotCssText from 'uplot/dist/uPlot.min.css' with { type: 'text' };
import type { HtmlAssets } from './html.js';

const JS = 'uplot/dist/uPlot.iife.min.js';
const CSS = 'uplot/dist/uPlot.min.css';

let cached: HtmlAssets | undefined;

/** The imported text, when the bundler embedded it. */
function embedded(imported: unknown): string | undefined {
  return typeof imported === 'string' && imported.length > 0 ? imported : undefined;
}

function fromNodeModules(specifier: string): string {
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve(specifier), 'utf8');
}

/** uPlot's script and stylesheet, for renderReportHtml. */
export function htmlAssets(): HtmlAssets {
  cached ??= {
    uplotJs: embedded(uplotJsText) ?? fromNodeModules(JS),
    uplotCss: embedded(uplotCssText) ?? fromNodeModules(CSS),
  };
  return cached;
}

/** Whether the assets came embedded in a bundle (true) or from node_modules (false). */
export function htmlAssetsEmbedded(): boolean {
  return embedded(uplotJsText) !== undefined && embedded(uplotCssText) !== undefined;
}
