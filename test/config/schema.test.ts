// The shipped JSON Schema (also for editors) must agree with what the code applies.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import { BUILTIN_YAML } from '../../src/config/defaults.js';
import { parseConfig } from '../../src/config/parse.js';
import { CONFIG_SCHEMA } from '../../src/config/schema-check.js';
import { parse } from 'yaml';

type Schema = { properties: Record<string, any>; definitions: Record<string, any> };
const schema = CONFIG_SCHEMA as Schema;
const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

describe('config.schema.json', () => {
  it('is the file on disk, a draft-07 schema that a plain validator (an editor) accepts', () => {
    const onDisk = JSON.parse(readFileSync(new URL('../../src/config/config.schema.json', import.meta.url), 'utf8'));
    expect(onDisk).toEqual(CONFIG_SCHEMA);
    expect(onDisk.$schema).toBe('http://json-schema.org/draft-07/schema#');
    // Non-strict, as editors are: our x-expected annotation is just an unknown keyword there.
    const validate = new Ajv({ strict: false }).compile(onDisk);
    expect(validate(parse(BUILTIN_YAML))).toBe(true);
    expect(validate({ arms: { baseline: { train: 'a' }, candidate: { train: 'b', trian: 'c' } } })).toBe(false);
  });

  it('documents every check default exactly as DEFAULT_POLICY', () => {
    const checks = schema.properties.checks.properties as Record<string, { properties: Record<string, { default: unknown }> }>;
    expect(Object.keys(checks).map(camel).sort()).toEqual(Object.keys(DEFAULT_POLICY).sort());
    for (const [check, def] of Object.entries(checks)) {
      const policy = DEFAULT_POLICY[camel(check) as keyof typeof DEFAULT_POLICY] as unknown as Record<string, unknown>;
      expect(Object.keys(def.properties).map(camel).sort()).toEqual(Object.keys(policy).sort());
      for (const [field, fieldSchema] of Object.entries(def.properties)) expect(fieldSchema.default).toEqual(policy[camel(field)]);
    }
  });

  it('documents the defaults parseConfig applies', () => {
    const c = parseConfig('arms: { baseline: { train: a }, candidate: { train: b } }', 'x.yml');
    const p = schema.properties;
    expect(p.name.default).toBe(c.name);
    expect(p.model.default).toBe(c.model);
    expect(p.workdir.default).toBe(c.workdir);
    expect(p['result-dir'].default).toBe(c.resultDir);
    expect(p.parallel.default).toBe(c.parallel);
    expect(schema.definitions.arm.properties['timeout-minutes'].default).toBe(c.arms.baseline.timeoutMinutes);
    const abort = p['early-abort'].properties;
    expect({ enabled: abort.enabled.default, bound: abort.bound.default, consecutive: abort.consecutive.default }).toEqual(c.earlyAbort);
    const cache = p.cache.properties;
    expect({
      enabled: cache.enabled.default,
      dir: cache.dir.default,
      files: cache.files.default,
      writeOn: cache['write-on'].default,
      serviceTimeoutSeconds: cache['service-timeout'].default,
    }).toEqual(c.cache);
    const mt = parseConfig('arms: { baseline: { train: a }, candidate: { train: b } }\nevaluations: { mtbench: { run: r, judgments: j } }', 'x.yml').evaluations
      .mtbench!;
    const mts = p.evaluations.properties.mtbench.properties;
    expect([mts.enabled.default, mts.targets.default, mts['model-id'].default, mts['timeout-minutes'].default]).toEqual([
      mt.enabled,
      mt.targets,
      mt.modelId,
      mt.timeoutMinutes,
    ]);
  });
});
