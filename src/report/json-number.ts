// JSON has no NaN/Infinity: non-finite numbers are written as the strings "NaN", "Infinity",
// "-Infinity" so a diverged loss survives the trip into summary.json instead of becoming null.

export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

export function toJsonNumber(v: number): JsonNumber;
export function toJsonNumber(v: number | null | undefined): JsonNumber | null;
export function toJsonNumber(v: number | null | undefined): JsonNumber | null {
  if (v === null || v === undefined) return null;
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}
