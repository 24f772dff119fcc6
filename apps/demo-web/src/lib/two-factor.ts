/**
 * What the two-factor set-up shows: the `otpauth://` link as a QR code (drawn by the
 * `qrcode` package, which does the encoding; this only turns its modules into one SVG path)
 * and the secret in groups of four, for typing into an app by hand.
 */
import { create } from 'qrcode';

/** The light border the QR standard asks around the code, in modules. */
const quietZone = 4;

export interface QrCodeDrawing {
  /** Width and height in modules, quiet zone included (the SVG's viewBox). */
  size: number;
  /** The dark modules, each row's runs merged into one rectangle. */
  path: string;
}

export function drawQrCode(text: string): QrCodeDrawing {
  const { size, data } = create(text, { errorCorrectionLevel: 'M' }).modules;
  const runs: string[] = [];
  for (let y = 0; y < size; y++) {
    let x = 0;
    while (x < size) {
      if (!data[y * size + x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < size && data[y * size + x]) x++;
      const length = x - start;
      runs.push(`M${start + quietZone} ${y + quietZone}h${length}v1h-${length}z`);
    }
  }
  return { size: size + 2 * quietZone, path: runs.join('') };
}

/** `JBSWY3DPEHPK3PXP` -> `JBSW Y3DP EHPK 3PXP`: easier to copy by eye. Apps ignore the spaces. */
export function groupSecret(secret: string): string {
  return secret.replace(/\s+/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}
