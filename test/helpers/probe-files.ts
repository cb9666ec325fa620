// Probe files in the exact shape python/accuracy_gate_probe writes them (header, batch, forward and
// grad records with the same keys, end), for a made-up 4-layer model whose "true" values are the
// reference and whose runs add relative noise of the given size: bf16-like noise for a baseline,
// the same noise from another seed for an A/A candidate, and planted faults at named modules.
import { writeFileSync } from 'node:fs';

export const LAYERS = 4;
/** Forward outputs in completion order (children before their parent), as a Llama's hooks fire. */
export function forwardNames(): string[] {
  const names = ['model.embed_tokens', 'model.rotary_emb'];
  for (let l = 0; l < LAYERS; l++) {
    const p = `model.layers.${l}`;
    names.push(
      `${p}.input_layernorm`,
      `${p}.self_attn.q_proj`,
      `${p}.self_attn.k_proj`,
      `${p}.self_attn.v_proj`,
      `${p}.self_attn.o_proj`,
      `${p}.self_attn`,
      `${p}.post_attention_layernorm`,
      `${p}.mlp.gate_proj`,
      `${p}.mlp.act_fn`,
      `${p}.mlp.up_proj`,
      `${p}.mlp.down_proj`,
      `${p}.mlp`,
      p,
    );
  }
  names.push('model.norm', 'model', 'lm_head');
  return names;
}
/** Parameters in backward order (the last layer's first). */
export function gradNames(): string[] {
  const names = ['lm_head.weight', 'model.norm.weight'];
  for (let l = LAYERS - 1; l >= 0; l--) {
    const p = `model.layers.${l}`;
    names.push(
      `${p}.mlp.down_proj.weight`,
      `${p}.mlp.up_proj.weight`,
      `${p}.mlp.gate_proj.weight`,
      `${p}.post_attention_layernorm.weight`,
      `${p}.self_attn.o_proj.weight`,
      `${p}.self_attn.v_proj.weight`,
      `${p}.self_attn.k_proj.weight`,
      `${p}.self_attn.q_proj.weight`,
      `${p}.input_layernorm.weight`,
    );
  }
  names.push('model.embed_tokens.weight');
  return names;
}

export interface FakeRun {
  mode?: 'run' | 'reference';
  reference?: 'fp64' | 'fp32';
  /** Relative noise of every value against the truth (0 = the truth itself). */
  noise: number;
  seed: number;
  dtype?: string;
  batch?: string;
  /** Extra relative error added from this forward output on (a planted bug, propagating downstream). */
  forwardFault?: { from: string; size: number };
  /** A gradient multiplied by this factor. */
  gradScale?: { name: string; factor: number };
  /** Leave the "end" line out (a run that stopped early). */
  truncated?: boolean;
  /** Forward outputs not written (a module the candidate lacks). */
  drop?: string[];
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 2 ** 32) * 2 - 1;
  };
}

const SAMPLES = 16;
function truth(name: string): number[] {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const r = rng(h);
  return Array.from({ length: SAMPLES }, () => r());
}

export function probeLines(run: FakeRun): string[] {
  const r = rng(run.seed);
  const dtype = run.mode === 'reference' ? (run.reference === 'fp32' ? 'float32' : 'float64') : (run.dtype ?? 'bfloat16');
  const lines: object[] = [
    {
      kind: 'header',
      format: 'accuracy-gate-probe',
      version: 1,
      mode: run.mode ?? 'run',
      reference: run.mode === 'reference' ? (run.reference ?? 'fp64') : null,
      param_dtype: run.mode === 'reference' ? dtype : 'float32',
      steps: 1,
      samples: SAMPLES,
      torch: '2.11.0',
      device: 'cpu',
      model: 'LlamaForCausalLM',
    },
    { kind: 'batch', step: 0, hash: run.batch ?? 'sha256:5f1d7a0c9e3b2a41c8d6e0f7a9b3c5d1e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2' },
  ];
  const index = Array.from({ length: SAMPLES }, (_, i) => i * 97);
  let fault = 0;
  const values = (name: string, extra: number) => {
    const t = truth(name);
    const s = t.map((x) => x * (1 + run.noise * r() + extra * (0.5 + Math.abs(r()))));
    return { sample: s, norm: Math.hypot(...s) * 40, absmax: Math.max(...s.map(Math.abs)) };
  };
  forwardNames().forEach((name, order) => {
    if (run.forwardFault?.from === name) fault = run.forwardFault.size;
    if (run.drop?.includes(name)) return;
    const v = values(name, fault);
    lines.push({
      kind: 'forward',
      step: 0,
      order,
      name,
      call: 0,
      output: '0',
      shape: [8, 256, 256],
      dtype,
      norm: v.norm,
      absmax: v.absmax,
      nonfinite: 0,
      index,
      sample: v.sample,
    });
  });
  gradNames().forEach((name, order) => {
    const v = values(name, fault / 2);
    const k = run.gradScale?.name === name ? run.gradScale.factor : 1;
    lines.push({
      kind: 'grad',
      step: 0,
      order,
      name,
      shape: [256, 256],
      dtype: run.mode === 'reference' ? dtype : 'float32',
      norm: v.norm * k,
      absmax: v.absmax * k,
      nonfinite: 0,
      index,
      sample: v.sample.map((x) => x * k),
    });
  });
  if (!run.truncated) lines.push({ kind: 'end', steps: 1 });
  return lines.map((l) => JSON.stringify(l));
}

export function writeProbe(file: string, run: FakeRun): string {
  writeFileSync(file, `${probeLines(run).join('\n')}\n`);
  return file;
}

/** The usual three: a bf16 baseline, an fp64 reference, and the candidate given. */
export const BASELINE: FakeRun = { noise: 0.004, seed: 11 };
export const REFERENCE: FakeRun = { mode: 'reference', reference: 'fp64', noise: 0, seed: 1 };
