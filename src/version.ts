// Replaced at bundle time by esbuild's `define` from package.json; the fallback serves tests.
declare const __GATE_VERSION__: string | undefined;
export const VERSION: string = typeof __GATE_VERSION__ === 'string' ? __GATE_VERSION__ : '0.0.0-dev';
