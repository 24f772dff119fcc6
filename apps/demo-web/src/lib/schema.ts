/**
 * What a form validates with before it sends: the server's own zod schemas (exported by
 * `@keyway/client`) meet this interface, so no zod import is needed here; `withTickedBox`
 * adds a box the user must tick (an explicit "yes, really") to any of them.
 */
export interface Issue {
  path: readonly PropertyKey[];
  message: string;
}

export interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: readonly Issue[] } };
}

/**
 * `schema`, plus a checkbox named `box` that must be ticked (a ticked box is in the form's
 * data as "on"; an unticked one is absent). The box is not part of what is sent.
 */
export function withTickedBox<T>(schema: Schema<T>, box: string, message: string): Schema<T> {
  return {
    safeParse(value) {
      const parsed = schema.safeParse(value);
      const ticked = typeof value === 'object' && value !== null && (value as Record<string, unknown>)[box] === 'on';
      if (ticked) return parsed;
      const issues = parsed.success ? [] : parsed.error.issues;
      return { success: false, error: { issues: [...issues, { path: [box], message }] } };
    },
  };
}
