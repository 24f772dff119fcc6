/**
 * jsonwebtoken and bcrypt exactly as Keyway loads them: the copies installed for
 * @keyway/auth-core (the server package does not depend on them directly). Typed here with
 * just the calls the references make.
 */
import type { KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';

export interface JwtVerifyOptions {
  algorithms: ['HS256'];
  issuer: string;
  audience: string;
  clockTimestamp?: number;
}

export interface JsonWebToken {
  verify(token: string, key: KeyObject, options: JwtVerifyOptions): unknown;
}

export interface Bcrypt {
  hash(data: string, rounds: number): Promise<string>;
  compare(data: string, encrypted: string): Promise<boolean>;
}

const requireFromAuthCore = createRequire(new URL('../../../../packages/auth-core/package.json', import.meta.url));

export const jwt = requireFromAuthCore('jsonwebtoken') as JsonWebToken;
export const loadBcrypt = (): Bcrypt => requireFromAuthCore('bcrypt') as Bcrypt;
