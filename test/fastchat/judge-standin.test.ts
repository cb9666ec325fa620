// The judge stand-in (scripts/fastchat-e2e/judge-standin.mjs) as FastChat_TorchAcc's ask_for_ans
// talks to it: a real process, real HTTP, the fork's payload and headers, FastChat's score regex.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const SCRIPT = path.join(ROOT, 'scripts', 'fastchat-e2e', 'judge-standin.mjs');
// fastchat/llm_judge/common.py: one_score_pattern and its backup.
const ONE_SCORE = /\[\[(\d+\.?\d*)\]\]/;
const children: ChildProcess[] = [];

async function startJudge(extra: string[] = []): Promise<string> {
  const child = spawn(process.execPath, [SCRIPT, '--port', '0', '--token', 'tok-1', '--tenant', 'ten-1', ...extra]);
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`judge exited ${code}`)));
  });
}

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGTERM');
});

function singlePrompt(answer: string): string {
  // The shape of FastChat's single-v1 user prompt (judge_prompts.jsonl), with our own words.
  return `[Question]\nSome question\n\n[The Start of Assistant's Answer]\n${answer}\n[The End of Assistant's Answer]`;
}

async function ask(url: string, opts: { token?: string; tenant?: string; model?: string; prompt: string }) {
  const body: Record<string, unknown> = {};
  if (opts.tenant !== undefined) body.tenant = opts.tenant;
  Object.assign(body, {
    model: opts.model ?? 'gpt-4',
    temperature: 0,
    max_tokens: 2048,
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: opts.prompt },
    ],
  });
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (opts.token !== undefined) headers.Authorization = `Bearer ${opts.token}`;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* the fork's .json() raises here and retries */
  }
  return { status: res.status, json, text };
}

describe('judge stand-in speaks FastChat_TorchAcc gateway protocol', () => {
  it('answers in the envelope the fork reads, with a rating FastChat parses, deterministic per answer', async () => {
    const url = await startJudge();
    const a = await ask(url, { token: 'tok-1', tenant: 'ten-1', prompt: singlePrompt('answer one') });
    expect(a.status).toBe(200);
    expect(a.json.code).toBe(200);
    const content: string = a.json.data.response.choices[0].message.content;
    const score = Number(ONE_SCORE.exec(content)![1]);
    expect(score).toBeGreaterThanOrEqual(1);
    expect(score).toBeLessThanOrEqual(10);
    const again = await ask(url, { token: 'tok-1', tenant: 'ten-1', prompt: singlePrompt('answer one') });
    expect(again.json.data.response.choices[0].message.content).toBe(content);
    // Different answers spread over the scale: of 40 answers, more than 5 distinct ratings.
    const ratings = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const r = await ask(url, { token: 'tok-1', tenant: 'ten-1', prompt: singlePrompt(`answer ${i}`) });
      ratings.add(Number(ONE_SCORE.exec(r.json.data.response.choices[0].message.content)![1]));
    }
    expect(ratings.size).toBeGreaterThan(5);
  });

  it('rates the answer, not the question: the same answer to another question gets the same rating', async () => {
    const url = await startJudge();
    const p1 = `[Question]\nQ1\n\n[The Start of Assistant's Answer]\nsame\n[The End of Assistant's Answer]`;
    const p2 = `[Question]\nQ2 differs\n\n[The Start of Assistant's Answer]\nsame\n[The End of Assistant's Answer]`;
    const r1 = await ask(url, { token: 'tok-1', tenant: 'ten-1', prompt: p1 });
    const r2 = await ask(url, { token: 'tok-1', tenant: 'ten-1', prompt: p2 });
    expect(r1.json.data.response.choices[0].message.content).toBe(r2.json.data.response.choices[0].message.content);
  });

  it('refuses a missing or wrong bearer token, and a gpt-4 request without the tenant', async () => {
    const url = await startJudge();
    expect((await ask(url, { tenant: 'ten-1', prompt: 'x' })).json.code).toBe(401);
    expect((await ask(url, { token: 'nope', tenant: 'ten-1', prompt: 'x' })).json.code).toBe(401);
    expect((await ask(url, { token: 'tok-1', prompt: 'x' })).json.code).toBe(403);
    expect((await ask(url, { token: 'tok-1', tenant: 'other', prompt: 'x' })).json.code).toBe(403);
    // The fork sends no tenant for models not named gpt-4*.
    const ok = await ask(url, { token: 'tok-1', model: 'gpt-3.5-turbo', prompt: singlePrompt('a') });
    expect(ok.json.code).toBe(200);
  });

  it('fails on demand: HTTP 500 with a non-JSON body, unparseable ratings, one prompt always failing', async () => {
    const url = await startJudge(['--http500-every', '3', '--unparseable-every', '4', '--fail-containing', 'POISON']);
    const seen: Array<{ status: number; parsed: boolean }> = [];
    for (let i = 0; i < 6; i++) {
      const r = await ask(url, { token: 'tok-1', tenant: 'ten-1', prompt: singlePrompt(`a${i}`) });
      const content = r.json?.data?.response?.choices?.[0]?.message?.content as string | undefined;
      seen.push({ status: r.status, parsed: content !== undefined && ONE_SCORE.test(content) });
    }
    expect(seen.map((s) => s.status)).toEqual([200, 200, 500, 200, 200, 500]);
    expect(seen[3]!.parsed).toBe(false); // the 4th request: no [[rating]] (FastChat records -1)
    expect(seen[0]!.parsed && seen[1]!.parsed && seen[4]!.parsed).toBe(true);
    for (let i = 0; i < 3; i++) {
      const r = await ask(url, { token: 'tok-1', tenant: 'ten-1', prompt: singlePrompt('has POISON inside') });
      expect(r.status).toBe(500);
      expect(r.json).toBeNull();
    }
  });
});
