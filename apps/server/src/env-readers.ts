/**
 * Readers of one environment variable each, shared by config.ts and the modules that parse a
 * group of its settings: an unset or empty variable gives the fallback, a bad value a
 * ConfigError naming the variable.
 */
import { parseDurationSeconds } from '@keyway/auth-core';
import { ConfigError } from './config-error.js';

export type Env = Record<string, string | undefined>;

export function readPort(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 0 || value > 65_535)
    throw new ConfigError(name, `must be a port number (0-65535), got "${raw}"`);
  return value;
}

export function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

export function readDuration(env: Env, name: string, fallback: string, options: { allowZero?: boolean } = {}): number {
  const raw = env[name] || fallback;
  const seconds = parseDurationSeconds(raw, options);
  if (seconds === null) throw new ConfigError(name, `must be a duration such as 15m, 1h or 30d, got "${raw}"`);
  return seconds;
}

export function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${env[name]}"`);
}

export function readUrl(env: Env, name: string, fallback: string): string {
  const raw = env[name] || fallback;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
  } catch {
    throw new ConfigError(name, `must be an http(s) URL, got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}
