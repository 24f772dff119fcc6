/**
 * The procedures of a router, with what each one validates. tRPC has no public API for a
 * procedure's input and output parsers, so this is the one place that reads its `_def`
 * (pinned by procedure-list.test.ts, which fails if an upgrade moves them).
 */
import type { AnyTRPCRouter } from '@trpc/server';
import type { Meta } from './trpc.js';

export interface ProcedureInfo {
  /** The tRPC path, e.g. `auth.login`. */
  path: string;
  type: 'query' | 'mutation' | 'subscription';
  meta: Meta;
  /** The parsers given to `.input()`, in order (tRPC merges them). */
  inputs: readonly unknown[];
  /** The parser given to `.output()`, if any. */
  output: unknown;
}

interface ProcedureDefinition {
  type: ProcedureInfo['type'];
  meta?: Meta;
  inputs?: unknown[];
  output?: unknown;
}

export function listProcedures(router: AnyTRPCRouter): ProcedureInfo[] {
  const procedures = router._def.procedures as Record<string, { _def: ProcedureDefinition }>;
  return Object.entries(procedures).map(([path, procedure]) => {
    const { type, meta = {}, inputs = [], output } = procedure._def;
    return { path, type, meta, inputs, output };
  });
}
