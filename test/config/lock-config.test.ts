// The `lock` key: one gate at a time on a machine's GPUs (src/pipeline/store/gpu-lock.ts).
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { BUILTIN_CONFIG } from '../../src/config/defaults.js';
import { parseConfig } from '../../src/config/parse.js';
import { CONFIG_SCHEMA } from '../../src/config/schema-check.js';

const FILE = 'gate.yml';
const ARMS = 'arms: { baseline: { train: a }, candidate: { train: b } }\n';

function errorText(text: string): string {
  try {
    parseConfig(text, FILE);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('lock', () => {
  it('is on by default, in the home cache, 12 hours; the built-in config says the same', () => {
    const c = parseConfig(ARMS, FILE);
    expect(c.lock).toEqual({ enabled: true, file: '~/.cache/accuracy-gate/gpu.lock', timeoutMinutes: 720 });
    expect(BUILTIN_CONFIG.lock).toEqual(c.lock);
  });

  it('the schema documents the defaults parseConfig applies', () => {
    const p = (CONFIG_SCHEMA as { properties: Record<string, any> }).properties.lock.properties;
    const c = parseConfig(ARMS, FILE);
    expect({ enabled: p.enabled.default, file: p.file.default, timeoutMinutes: p['timeout-minutes'].default }).toEqual(c.lock);
  });

  it('reads every field', () => {
    const c = parseConfig(`${ARMS}lock: { enabled: false, file: /var/lock/gpus.lock, timeout-minutes: 30 }\n`, FILE);
    expect(c.lock).toEqual({ enabled: false, file: '/var/lock/gpus.lock', timeoutMinutes: 30 });
    expect(parseConfig(`${ARMS}lock: { timeout-minutes: 0.5 }\n`, FILE).lock.timeoutMinutes).toBe(0.5);
  });

  it('rejects bad values, naming file:line and key', () => {
    expect(errorText(`${ARMS}lock: { timeout-minutes: 0 }\n`)).toMatch(/^gate\.yml:2: lock\.timeout-minutes: /);
    expect(errorText(`${ARMS}lock: { enabled: yes please }\n`)).toMatch(/^gate\.yml:2: lock\.enabled: /);
    expect(errorText(`${ARMS}lock: { file: "" }\n`)).toMatch(/lock\.file/);
    expect(errorText(`${ARMS}lock: { timeout: 5 }\n`)).toMatch(/unknown key lock\.timeout \(expected one of: enabled, file, timeout-minutes\)/);
  });
});
