import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listProcedures } from './procedure-list.js';
import { defaultRateLimitRules } from './rate-limit.js';
import { bucketsOfRule, rateLimitBuckets, rateLimitPolicy } from './rate-limit-policy.js';
import { appRouter } from './router.js';

const repositoryFile = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

/** `<max>/<window>` as the README and .env.example write it (`5/15m`). */
function written({ max, windowSeconds }: { max: number; windowSeconds: number }): string {
  const units: [number, string][] = [
    [86_400, 'd'],
    [3600, 'h'],
    [60, 'm'],
    [1, 's'],
  ];
  const [size, unit] = units.find(([seconds]) => windowSeconds % seconds === 0) ?? [1, 's'];
  return `${max}/${windowSeconds / size}${unit}`;
}

describe('the rate-limit policy record', () => {
  it('is what the README documents: each variable, its default and its description', () => {
    const readme = repositoryFile('README.md');
    for (const bucket of rateLimitBuckets) {
      const entry = rateLimitPolicy[bucket];
      expect(readme).toContain(`| \`${entry.env}\` | \`${written(entry.default)}\` | ${entry.description} |`);
    }
    const documented = readme.match(/^\| `RATE_LIMIT_[A-Z_]+` \| `\d+\//gm) ?? [];
    expect(documented).toHaveLength(rateLimitBuckets.length);
  });

  it('is what .env.example sets', () => {
    const example = repositoryFile('.env.example');
    for (const bucket of rateLimitBuckets) {
      const entry = rateLimitPolicy[bucket];
      expect(example).toMatch(new RegExp(`^${entry.env}=${written(entry.default)}$`, 'm'));
    }
  });

  it('gives the limiter its defaults', () => {
    for (const bucket of rateLimitBuckets)
      expect(defaultRateLimitRules[bucket]).toEqual(rateLimitPolicy[bucket].default);
  });

  it('counts a login per address first, then per account, and every other rule per address', () => {
    expect(bucketsOfRule).toEqual({
      login: ['loginIp', 'loginAccount'],
      register: ['registerIp'],
      reset: ['resetIp'],
      introspect: ['introspectIp'],
      default: ['defaultIp'],
    });
  });

  it('has a rule for every rate limit a procedure names, each with a distinct key and variable', () => {
    for (const procedure of listProcedures(appRouter)) {
      expect(bucketsOfRule[procedure.meta.rateLimit ?? 'default'], procedure.path).toBeDefined();
    }
    const entries = rateLimitBuckets.map((bucket) => rateLimitPolicy[bucket]);
    expect(new Set(entries.map((entry) => entry.keyPrefix)).size).toBe(entries.length);
    expect(new Set(entries.map((entry) => entry.env)).size).toBe(entries.length);
  });
});
