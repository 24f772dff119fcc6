/**
 * The token-signing settings: `JWT_ALGORITHM` (HS256, the default, or ES256), and with ES256
 * `JWT_PRIVATE_KEY` (the current key, the only one that signs) and `JWT_RETIRED_PUBLIC_KEYS`
 * (earlier keys, still accepted and published until removed). Keys are read into KeyObjects
 * here, once; a key that cannot be used is a ConfigError naming its variable.
 */
import type { KeyObject } from 'node:crypto';
import { type JwtAlgorithm, jwtAlgorithms, readPrivateSigningKey, readPublicSigningKeys } from '@keyway/auth-core';
import { ConfigError } from './config-error.js';

export interface SigningConfig {
  jwtAlgorithm: JwtAlgorithm;
  jwtPrivateKey: KeyObject | null;
  jwtRetiredPublicKeys: KeyObject[];
}

function read<T>(variable: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    // The key readers throw plain one-line problems; the variable is named here.
    throw new ConfigError(variable, (error as Error).message);
  }
}

export function readSigningConfig(
  env: Record<string, string | undefined>,
  options: { production: boolean; developmentPrivateKey: () => string },
): SigningConfig {
  const algorithm = (env.JWT_ALGORITHM || 'HS256') as JwtAlgorithm;
  if (!jwtAlgorithms.includes(algorithm)) {
    throw new ConfigError('JWT_ALGORITHM', `must be HS256 or ES256, got "${env.JWT_ALGORITHM}"`);
  }
  if (algorithm === 'HS256') return { jwtAlgorithm: algorithm, jwtPrivateKey: null, jwtRetiredPublicKeys: [] };

  let pem = env.JWT_PRIVATE_KEY;
  if (!pem) {
    if (options.production) {
      throw new ConfigError('JWT_PRIVATE_KEY', 'is required in production with JWT_ALGORITHM=ES256 (a PKCS#8 PEM)');
    }
    pem = options.developmentPrivateKey();
  }
  const privateKey = read('JWT_PRIVATE_KEY', () => readPrivateSigningKey(pem));
  const retired = read('JWT_RETIRED_PUBLIC_KEYS', () => readPublicSigningKeys(env.JWT_RETIRED_PUBLIC_KEYS ?? ''));
  return { jwtAlgorithm: algorithm, jwtPrivateKey: privateKey, jwtRetiredPublicKeys: retired };
}
