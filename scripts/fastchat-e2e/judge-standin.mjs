#!/usr/bin/env node
// A stand-in for the LLM gateway that AlibabaPAI/FastChat_TorchAcc's gen_judgment.py calls (it is NOT a
// judge: its ratings are a hash of the answer, so that two checkpoints that answer differently get
// different scores, and the same answer always gets the same score).
//
// It speaks the fork's protocol (fastchat/llm_judge/common.py, ask_for_ans + chat_completion_openai):
// POST $MIT_SPIDER_URL with `Authorization: Bearer $MIT_SPIDER_TOKEN` and a JSON body
// {tenant?, model, temperature, max_tokens, messages}; `tenant` is sent only for models named gpt-4*.
// A good answer is {"code":200,"data":{"response":{"choices":[{"message":{"content":"..."}}]}}};
// anything else makes the fork retry (3 × 5 s inside 16 × 10 s) and finally raise.
//
// Failures on demand, to see what the gate reports:
//   --http500-every N        every Nth request gets HTTP 500 with a non-JSON body (the fork retries)
//   --unparseable-every N    every Nth answer has no [[rating]] (FastChat then records score -1)
//   --fail-containing TEXT   every request whose prompt contains TEXT gets HTTP 500 (the fork raises)
//
// Usage: node judge-standin.mjs --port 0 --token T --tenant X [--log FILE] [failures...]
// Prints `listening <url>` once it accepts connections. Also importable: startJudge(options).
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** The rating for one answer: 1..10, a pure function of the answer text. */
export function ratingOf(answer) {
  const digest = createHash('sha256').update(answer, 'utf8').digest();
  return 1 + (digest.readUInt32BE(0) % 10);
}

/**
 * The part of FastChat's judge prompt that holds the assistant's answer(s). Single-turn prompts wrap it
 * in "[The Start of Assistant's Answer]" … "[The End of Assistant's Answer]"; multi-turn prompts hold the
 * whole conversation between "<|The Start of Assistant A's Conversation with User|>" markers. Falls back
 * to the whole prompt, so a changed template still gives a deterministic rating.
 */
export function answerOf(prompt) {
  const single = /\[The Start of Assistant's Answer\]([\s\S]*?)\[The End of Assistant's Answer\]/.exec(prompt);
  if (single) return single[1];
  const multi = /<\|The Start of Assistant A's Conversation with User\|>([\s\S]*?)<\|The End of Assistant A's Conversation with User\|>/.exec(prompt);
  if (multi) return multi[1];
  return prompt;
}

export function startJudge(options) {
  const { token, tenant, port = 0, host = '127.0.0.1', log } = options;
  const http500Every = options.http500Every ?? 0;
  const unparseableEvery = options.unparseableEvery ?? 0;
  const failContaining = options.failContaining ?? '';
  const stats = { requests: 0, answered: 0, http500: 0, unparseable: 0, refused: 0, failedContaining: 0 };
  const record = (entry) => {
    if (log) appendFileSync(log, `${JSON.stringify(entry)}\n`);
  };
  const reply = (res, status, body) => {
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const n = ++stats.requests;
      if (req.method !== 'POST') return reply(res, 405, { code: 405, message: 'POST only' });
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        stats.refused++;
        return reply(res, 400, { code: 400, message: 'body is not JSON' });
      }
      const model = String(body.model ?? '');
      if (req.headers.authorization !== `Bearer ${token}`) {
        stats.refused++;
        record({ n, model, status: 401 });
        return reply(res, 401, { code: 401, message: 'bad or missing bearer token' });
      }
      if (model.startsWith('gpt-4') && body.tenant !== tenant) {
        stats.refused++;
        record({ n, model, status: 403 });
        return reply(res, 403, { code: 403, message: `tenant required for ${model}` });
      }
      if (!Array.isArray(body.messages) || body.messages.length === 0) {
        stats.refused++;
        return reply(res, 400, { code: 400, message: 'messages must be a non-empty list' });
      }
      const prompt = String(body.messages[body.messages.length - 1].content ?? '');
      if (failContaining && prompt.includes(failContaining)) {
        stats.failedContaining++;
        record({ n, model, status: 500, reason: 'fail-containing' });
        return reply(res, 500, '<html><body>502 Bad Gateway</body></html>');
      }
      if (http500Every > 0 && n % http500Every === 0) {
        stats.http500++;
        record({ n, model, status: 500, reason: 'http500-every' });
        return reply(res, 500, '<html><body>500 Internal Server Error</body></html>');
      }
      const rating = ratingOf(answerOf(prompt));
      let content = `The stand-in judge read the answer. Rating: [[${rating}]]`;
      if (unparseableEvery > 0 && n % unparseableEvery === 0) {
        stats.unparseable++;
        content = 'The stand-in judge read the answer but gives no rating.';
      }
      stats.answered++;
      record({ n, model, status: 200, rating: content.includes('[[') ? rating : null });
      return reply(res, 200, {
        code: 200,
        data: { response: { choices: [{ index: 0, message: { role: 'assistant', content } }] } },
      });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve({ url: `http://${host}:${address.port}/v1/chat`, stats, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    const value = argv[i + 1];
    if (!key.startsWith('--') || value === undefined) throw new Error(`judge-standin: expected --flag value, got ${key}`);
    out[key.slice(2)] = value;
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const a = parseArgs(process.argv.slice(2));
    if (!a.token || !a.tenant) throw new Error('judge-standin: --token and --tenant are required');
    const judge = await startJudge({
      token: a.token,
      tenant: a.tenant,
      port: Number(a.port ?? 0),
      log: a.log,
      http500Every: Number(a['http500-every'] ?? 0),
      unparseableEvery: Number(a['unparseable-every'] ?? 0),
      failContaining: a['fail-containing'] ?? '',
    });
    console.log(`listening ${judge.url}`);
    const stop = async () => {
      await judge.close();
      console.log(`stats ${JSON.stringify(judge.stats)}`);
      process.exit(0);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(2);
  }
}
