import { describe, expect, it } from 'vitest';
import { oncePerToken } from './once.js';

describe('oncePerToken', () => {
  it('spends each token once and gives every caller the first answer, failures included', async () => {
    const spent: string[] = [];
    const spend = oncePerToken(async (token: string) => {
      spent.push(token);
      if (token === 'bad') throw new Error('used');
      return `user of ${token}`;
    });

    const [first, second] = await Promise.all([spend('a'), spend('a')]);
    expect([first, second]).toEqual(['user of a', 'user of a']);
    await expect(spend('bad')).rejects.toThrow('used');
    await expect(spend('bad')).rejects.toThrow('used');
    expect(await spend('b')).toBe('user of b');
    expect(spent).toEqual(['a', 'bad', 'b']);
  });
});
