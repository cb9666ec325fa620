// How finely a logged number was printed, to tell rounding from a real difference. Pure.

/**
 * Half a unit of the last printed digit of `x`: a 4.x loss rounded to 4 decimals, a 5.x 4-digit
 * string, a 2-decimal epoch. Python's float repr and JS's shortest form agree, except that Python
 * prints a whole float as `2.0`.
 */
export function printHalfUnit(x: number): number {
  // Called for every logged loss (200k for a 100k-step pair): indexOf, not split.
  const s = String(x);
  const e = s.indexOf('e');
  const end = e < 0 ? s.length : e;
  const dot = s.indexOf('.');
  const fraction = dot < 0 || dot > end ? 0 : end - dot - 1;
  const exponent = e < 0 ? 0 : Number(s.slice(e + 1));
  const decimals = Math.max(dot < 0 && e < 0 ? 1 : 0, fraction) - exponent;
  return 0.5 * 10 ** -decimals;
}
