// The uPlot files html-assets.ts imports with `with { type: 'text' }`. `unknown`, not string: only
// a bundler that honours the attribute (esbuild) makes them strings; vitest gives modules.
declare module 'uplot/dist/uPlot.iife.min.js' {
  const text: unknown;
  export default text;
}
declare module 'uplot/dist/uPlot.min.css' {
  const text: unknown;
  export default text;
}
