// The config's public surface: import from here.

export type * from './types.js';
export { parseConfig, slugOf } from './parse.js';
export { loadConfig } from './load-config.js';
export { BUILTIN_CONFIG, BUILTIN_SOURCE, BUILTIN_YAML } from './defaults.js';
export {
  expandCommand,
  expandModelId,
  shellQuote,
  PLACEHOLDER_ENV,
  PLACEHOLDER_NAMES,
  type Placeholders,
  type PlaceholderName,
  type ModelIdValues,
} from './placeholders.js';
export { configHash, armHash, canonicalJson } from './config-hash.js';
export { expandHome } from './paths.js';
export { CONFIG_SCHEMA } from './schema-check.js';
