/**
 * The password rules are stated twice: in auth-core's policy (password-policy.ts, what the
 * server enforces) and in the zod schema here (what the client and the demo's forms check
 * before sending). This ties them: for passwords around every boundary, the schema refuses
 * exactly what the policy refuses for its shape, with the same message.
 */
import { checkPasswordPolicy, maxPasswordLength, minPasswordLength } from '@keyway/auth-core';
import { describe, expect, it } from 'vitest';
import { passwordSchema } from './index.js';

/** `count` characters (code points in NFC) of each kind, from a base no list holds. */
function candidates(): string[] {
  const units = ['q', 'é', 'e\u0301', '😀', '漢', ' ', '\u200d'];
  const lengths = [0, 1, minPasswordLength - 1, minPasswordLength, minPasswordLength + 1, maxPasswordLength - 1];
  lengths.push(maxPasswordLength, maxPasswordLength + 1, maxPasswordLength * 2);
  const passwords = units.flatMap((unit) => lengths.map((length) => `Zx${unit.repeat(Math.max(0, length - 2))}`));
  passwords.push('Zx-\ud800-lone-high', 'Zx-\udc00-lone-low', 'e\u0301'.repeat(minPasswordLength - 1));
  return passwords;
}

const shapeProblem = (problems: string[]) =>
  problems.find((problem) => /at least|at most|valid Unicode/.test(problem)) ?? null;

describe('the password schema and the password policy', () => {
  it('refuse the same passwords for their shape, with the same message', () => {
    for (const password of candidates()) {
      const policy = shapeProblem(checkPasswordPolicy(password));
      const parsed = passwordSchema.safeParse(password);
      const label = `${[...password].length} code units: ${JSON.stringify(password.slice(0, 12))}`;
      expect(parsed.success ? null : parsed.error.issues[0]?.message, label).toBe(policy);
    }
  });
});
