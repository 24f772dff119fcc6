export { type BackoffStoreOptions, createBackoffCounter } from './backoff-store.js';
export type { CallObserver } from './call-observer.js';
export { canonicalAddress, rateLimitKeyOf } from './client-address.js';
export {
  bearerToken,
  type Context,
  type ContextOptions,
  clientIpOf,
  createContextFactory,
  createContextInner,
} from './context.js';
export { authErrorToTrpcCode, refusingRuleOf, retryAfterOf } from './errors.js';
export { createMailThrottle, defaultMailAccountRule } from './mail-throttle.js';
export { createOpenApiDocument, type OpenApiDocument, type OpenApiOptions } from './openapi.js';
export { listProcedures, type ProcedureInfo } from './procedure-list.js';
export {
  createRateLimiter,
  defaultRateLimitRules,
  RateLimitExceededError,
  type RateLimiter,
  type RateLimiterOptions,
  type RateLimitRule,
  type RateLimitRules,
  type RateLimitStore,
} from './rate-limit.js';
export {
  type RateLimitBucket,
  type RateLimitPolicyEntry,
  type RateLimitRuleName,
  rateLimitBuckets,
  rateLimitPolicy,
} from './rate-limit-policy.js';
export { type AppRouter, appRouter } from './router.js';
export { bearerOnlyTransport, type SessionTransport } from './session-transport.js';
export { createCallerFactory, type Meta } from './trpc.js';
