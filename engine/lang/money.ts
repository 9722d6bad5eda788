/**
 * Money in unified records is a decimal string in the currency's major unit with exactly the
 * currency's ISO 4217 minor digits ("12.50" USD, "1200" JPY, "1.250" KWD), so a host compares
 * and sums amounts from every provider the same way and never meets a binary float. These
 * are the two JSONata functions mappings use to get there; decimal arithmetic is done on the
 * digits, never through floating point.
 */

const digitsCache = new Map<string, number>();

/** ISO 4217 minor digits, from the runtime's ICU data (JPY 0, USD 2, KWD 3); 2 when unknown. */
export function minorDigits(currency: unknown): number {
  const code = typeof currency === 'string' ? currency.trim().toUpperCase() : '';
  if (!/^[A-Z]{3}$/.test(code)) return 2;
  let d = digitsCache.get(code);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      d = 2;
    }
    digitsCache.set(code, d);
  }
  return d;
}

/** A number's or numeric string's exact decimal digits: sign, integer part, fraction part. */
function parts(value: unknown): { neg: boolean; int: string; frac: string } | undefined {
  let s: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    // Shortest round-trip form, then expand any exponent so the digits are the number's own.
    s = Math.abs(value) < 1e21 ? value.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 }) : String(value);
  } else if (typeof value === 'string') {
    s = value.trim();
  } else {
    return undefined;
  }
  const m = /^([+-])?(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  return { neg: m[1] === '-', int: (m[2] || '0').replace(/^0+(?=\d)/, ''), frac: m[3] ?? '' };
}

/** Adds one unit in the last place of a digit string. */
function increment(digits: string): string {
  const a = digits.split('');
  for (let i = a.length - 1; i >= 0; i--) {
    if (a[i] !== '9') { a[i] = String(Number(a[i]) + 1); return a.join(''); }
    a[i] = '0';
  }
  return `1${a.join('')}`;
}

/** Rounds half away from zero to `digits` places, as accounting systems round a line. */
function format(p: { neg: boolean; int: string; frac: string }, digits: number): string {
  let all = p.int + p.frac.padEnd(digits, '0').slice(0, digits);
  if ((p.frac[digits] ?? '0') >= '5') all = increment(all);
  const int = all.slice(0, all.length - digits).replace(/^0+(?=\d)/, '') || '0';
  const frac = all.slice(all.length - digits);
  const zero = /^0*$/.test(int + frac);
  return `${p.neg && !zero ? '-' : ''}${int}${digits > 0 ? `.${frac}` : ''}`;
}

/** `$money(value, currency)`: a decimal amount (number or string) as the unified decimal string. */
export function money(value: unknown, currency?: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const p = parts(value);
  if (!p) throw new Error(`$money: ${JSON.stringify(value)} is not a decimal amount`);
  return format(p, minorDigits(currency));
}

/** `$moneyFromMinor(value, currency)`: an integer count of minor units (cents) as the unified decimal string. */
export function moneyFromMinor(value: unknown, currency?: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const p = parts(value);
  if (!p || p.frac.replace(/0+$/, '') !== '') throw new Error(`$moneyFromMinor: ${JSON.stringify(value)} is not a whole number of minor units`);
  const digits = minorDigits(currency);
  const int = p.int.padStart(digits + 1, '0');
  return format({ neg: p.neg, int: int.slice(0, int.length - digits), frac: int.slice(int.length - digits) }, digits);
}

/** Registered on every compiled expression: name → implementation and JSONata signature. */
export const PATCHBAY_FUNCTIONS: Readonly<Record<string, { impl: (...a: unknown[]) => unknown; signature: string }>> = {
  money: { impl: money, signature: '<x-x?:s>' },
  moneyFromMinor: { impl: moneyFromMinor, signature: '<x-x?:s>' },
};
