// Secrets for the tests that try to leak them, and a check written independently of src/'s
// redactor: which recognisable piece of which secret a text still holds.
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export const PEM = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
export const TOKEN = 'hf_Qm7pLr2XwZ9tKv4NbY6cDs8EaJ3uGf1H';
export const JUDGE_URL = 'https://gate-ci:Pa55w0rd-for-judge@spider.example.com/api/v1';
/** A service-account key as Google writes it (pretty, the private key JSON-escaped inside). */
export const JSON_KEY = JSON.stringify(
  {
    type: 'service_account',
    project_id: 'acme-ci',
    private_key_id: '3f1c0a9be4d2c0ffee',
    private_key: PEM,
    client_email: 'gate@acme-ci.iam.gserviceaccount.com',
  },
  null,
  2,
);

/** The values as a file the hostile script reads (test/fixtures/faults/leak-secrets.mjs). */
export function writeSecretsFile(file: string): string {
  writeFileSync(file, JSON.stringify({ pem: PEM, json: JSON_KEY, token: TOKEN, url: JUDGE_URL }));
  return file;
}

/**
 * Each recognisable piece of a secret found in `text`: a PEM body line, either half of the token,
 * the judge's password (raw or URL-encoded), the token's bytes inside the checkout header's base64.
 */
export function leakedPieces(text: string): string[] {
  const pieces = new Map<string, string>();
  for (const l of PEM.trim().split('\n').slice(1, -1)) pieces.set(l, 'a PEM line');
  pieces.set(TOKEN.slice(0, 12), 'the token (first half)');
  pieces.set(TOKEN.slice(-12), 'the token (second half)');
  pieces.set('Pa55w0rd-for-judge', "the judge URL's password");
  pieces.set('Pa55w0rd-for-judge'.slice(0, 9), "the judge URL's password (first half)");
  pieces.set('gate@acme-ci.iam', "the JSON key's client_email");
  pieces.set('3f1c0a9be4d2c0ffee', "the JSON key's private_key_id");
  const b64 = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');
  pieces.set(b64.slice(24, 44), 'the token inside the checkout header (base64)');
  pieces.set(Buffer.from(TOKEN).toString('base64').slice(4, 24), 'the token (base64)');
  return [...pieces].filter(([p]) => text.includes(p)).map(([p, what]) => `${what}: ${p.slice(0, 24)}`);
}

/** Every file under `dir`, with the pieces each one leaks. */
export function leaksUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else for (const l of leakedPieces(readFileSync(p, 'latin1'))) out.push(`${path.relative(dir, p)}: ${l}`);
    }
  };
  walk(dir);
  return out;
}
