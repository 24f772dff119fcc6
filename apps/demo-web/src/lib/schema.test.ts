import { mfaSetupInput } from '@keyway/client';
import { describe, expect, it } from 'vitest';
import { withTickedBox } from './schema.js';

const schema = withTickedBox(mfaSetupInput, 'confirm', 'Tick the box to confirm');

describe('withTickedBox', () => {
  it('passes the values through, without the box, once it is ticked', () => {
    expect(schema.safeParse({ password: 'my password', confirm: 'on' })).toEqual({
      success: true,
      data: { password: 'my password' },
    });
  });

  it('refuses an unticked box, alongside the fields the schema refuses', () => {
    const unticked = schema.safeParse({ password: 'my password' });
    expect(unticked.success ? [] : unticked.error.issues).toEqual([
      { path: ['confirm'], message: 'Tick the box to confirm' },
    ]);
    const both = schema.safeParse({ password: '', confirm: 'off' });
    expect(both.success ? [] : both.error.issues.map((issue) => issue.path[0])).toEqual(['password', 'confirm']);
    expect(schema.safeParse(null).success).toBe(false);
  });
});
