import { create } from 'qrcode';
import { describe, expect, it } from 'vitest';
import { drawQrCode, groupSecret } from './two-factor.js';

const otpauthUrl = 'otpauth://totp/Keyway:user%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Keyway';

/** The dark modules a drawing's path covers, as "x,y" (quiet zone taken off). */
function darkModules(path: string): Set<string> {
  const dark = new Set<string>();
  for (const [, x, y, length] of path.matchAll(/M(\d+) (\d+)h(\d+)v1h-\3z/g)) {
    for (let offset = 0; offset < Number(length); offset++) dark.add(`${Number(x) - 4 + offset},${Number(y) - 4}`);
  }
  return dark;
}

describe('drawQrCode', () => {
  it('covers exactly the dark modules of the encoded link, inside a four-module quiet zone', () => {
    const { modules } = create(otpauthUrl, { errorCorrectionLevel: 'M' });
    const drawing = drawQrCode(otpauthUrl);

    expect(drawing.size).toBe(modules.size + 8);
    const expected = new Set<string>();
    for (let y = 0; y < modules.size; y++)
      for (let x = 0; x < modules.size; x++) if (modules.data[y * modules.size + x]) expected.add(`${x},${y}`);
    expect(darkModules(drawing.path)).toEqual(expected);
  });

  it('merges each run of dark modules into one rectangle (the finder pattern: 7 wide)', () => {
    const { path } = drawQrCode(otpauthUrl);
    expect(path.startsWith('M4 4h7v1h-7z')).toBe(true);
    expect(path.split('M').length - 1).toBeLessThan(darkModules(path).size);
  });
});

describe('groupSecret', () => {
  it('splits a base32 secret into groups of four', () => {
    expect(groupSecret('JBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP');
    expect(groupSecret('JBSWY3DPEHPK3PXPA')).toBe('JBSW Y3DP EHPK 3PXP A');
    expect(groupSecret(' JBSW Y3DP ')).toBe('JBSW Y3DP');
    expect(groupSecret('')).toBe('');
  });
});
