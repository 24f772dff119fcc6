/** Turning an API error into what a form shows: messages per field, or one line for the form. */
import { errorCodeOf, fieldErrorsOf, isKeywayError, retryAfterOf } from '@keyway/client';

export type FieldMessages = Record<string, string[] | undefined>;

/** "in 45 seconds", "in 15 minutes", "in 2 hours": rounded up, so the user never retries too early. */
export function formatWait(seconds: number): string {
  const unit = (value: number, name: string) => `${value} ${name}${value === 1 ? '' : 's'}`;
  if (seconds < 60) return `in ${unit(Math.max(1, Math.ceil(seconds)), 'second')}`;
  if (seconds < 3600) return `in ${unit(Math.ceil(seconds / 60), 'minute')}`;
  return `in ${unit(Math.ceil(seconds / 3600), 'hour')}`;
}

/** The one line to show for an error that is not about a single field. */
export function messageOf(error: unknown): string {
  const retryAfter = retryAfterOf(error);
  if (retryAfter !== null) return `Too many attempts. Try again ${formatWait(retryAfter)}.`;
  if (!isKeywayError(error)) return 'Something went wrong. Please try again.';
  switch (errorCodeOf(error)) {
    case null:
      return 'Cannot reach the server. Check your connection and try again.';
    case 'INTERNAL_SERVER_ERROR':
    case 'SERVICE_UNAVAILABLE':
      return 'Something went wrong on our side. Please try again in a moment.';
    default:
      return error.message;
  }
}

/**
 * Splits an error into messages for the form's own fields and one line for the rest. A
 * validation failure whose fields the form shows needs no extra line.
 */
export function describeError(error: unknown, fields: readonly string[]): { fields: FieldMessages; form?: string } {
  const all: FieldMessages = fieldErrorsOf(error);
  const shown = Object.fromEntries(fields.filter((field) => all[field]?.length).map((field) => [field, all[field]]));
  const others = Object.entries(all)
    .filter(([field, messages]) => !fields.includes(field) && messages?.length)
    .flatMap(([, messages]) => messages ?? []);
  if (Object.keys(shown).length > 0)
    return others.length ? { fields: shown, form: others.join(' ') } : { fields: shown };
  return { fields: {}, form: others.length ? others.join(' ') : messageOf(error) };
}

/** The issues of a failed `schema.safeParse`, as messages per top-level field. */
export function issuesToFieldMessages(issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }>) {
  const fields: FieldMessages = {};
  for (const issue of issues) {
    const field = String(issue.path[0] ?? '');
    fields[field] = [...(fields[field] ?? []), issue.message];
  }
  return fields;
}
