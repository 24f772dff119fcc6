/**
 * docs/api.md is the API's page for people: it must name every procedure of the router and
 * every domain error with the code it answers, so a new one cannot land undocumented.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { authErrorToTrpcCode } from './errors.js';
import { listProcedures } from './procedure-list.js';
import { appRouter } from './router.js';

const page = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');

describe('docs/api.md', () => {
  it.each(listProcedures(appRouter))('lists $path as a $type', ({ path, type }) => {
    expect(page).toMatch(new RegExp(`^\\| \`${path.replace('.', '\\.')}\` \\| ${type} \\|`, 'm'));
  });

  it.each(Object.entries(authErrorToTrpcCode))('maps %s to %s', (domainError, code) => {
    expect(page).toContain(`| \`${domainError}\` | \`${code}\` |`);
  });
});
