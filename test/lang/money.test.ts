import { describe, expect, it } from 'vitest';
import { compileExpr } from '../../engine/lang/expr.js';
import { minorDigits, money, moneyFromMinor } from '../../engine/lang/money.js';

describe('money in unified records', () => {
  it('knows each currency\'s ISO 4217 minor digits', () => {
    expect([minorDigits('USD'), minorDigits('jpy'), minorDigits('KWD'), minorDigits('MYR'), minorDigits('nope')]).toEqual([2, 0, 3, 2, 2]);
  });

  it('writes decimal amounts with exactly the currency\'s digits, rounding half away from zero on the digits', () => {
    expect(money(150, 'USD')).toBe('150.00');
    expect(money('12.5', 'USD')).toBe('12.50');
    expect(money(1.005, 'USD')).toBe('1.01'); // 1.005 is 1.00499… as a float; the digits say 1.005
    expect(money('-0.004', 'USD')).toBe('0.00');
    expect(money('1200.4', 'JPY')).toBe('1200');
    expect(money('1.2345', 'KWD')).toBe('1.235');
    expect(money('99.995', 'EUR')).toBe('100.00');
    expect(money(null, 'USD')).toBeUndefined();
    expect(() => money('12,50', 'EUR')).toThrow(/not a decimal amount/);
  });

  it('turns minor units into the same decimal strings', () => {
    expect(moneyFromMinor(4200, 'usd')).toBe('42.00');
    expect(moneyFromMinor(5, 'USD')).toBe('0.05');
    expect(moneyFromMinor(-1999, 'EUR')).toBe('-19.99');
    expect(moneyFromMinor(1200, 'JPY')).toBe('1200');
    expect(moneyFromMinor(1250, 'KWD')).toBe('1.250');
    expect(() => moneyFromMinor(12.5, 'USD')).toThrow(/whole number/);
  });

  it('are functions of every compiled expression', async () => {
    const e = compileExpr('{ "total": $money(TotalAmt, CurrencyRef.value), "paid": $moneyFromMinor(amount, currency) }');
    expect(await e.evaluate({ TotalAmt: 362.07, CurrencyRef: { value: 'USD' }, amount: 36207, currency: 'usd' })).toEqual({ total: '362.07', paid: '362.07' });
    await expect(compileExpr('$money(x, "USD")', { path: 'streams.x.mapping' }).evaluate({ x: 'abc' })).rejects.toThrow(/streams.x.mapping.*not a decimal amount/);
  });
});
