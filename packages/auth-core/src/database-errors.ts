/**
 * Driver knowledge kept with the package that owns the drivers: which errors of pg, knex,
 * node-sqlite3 and the socket layer mean "the database is not answering" (the API answers
 * those with SERVICE_UNAVAILABLE instead of an internal error).
 */
/** Names of the database driver errors that mean "the database is not answering". */
const unavailableErrorNames = new Set(['ConnectionException', 'KnexTimeoutError']);
/**
 * Codes that mean the same: socket errors (a dropped or refused link), and PostgreSQL's
 * SQLSTATEs for a server that is shutting down, starting up, full, or that cancelled the
 * statement on `statement_timeout` (57014: it did not answer in time). Class 08 (connection
 * exceptions) is matched by prefix below.
 */
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '57014',
]);
/**
 * pg and knex report some of these with a bare Error and only a message: `timeout expired`
 * is pg's connect timeout, `Query read timeout` its client-side query timeout (a silent
 * link), the others a link that died under an open or pooled connection.
 */
const unavailablePattern =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|Connection terminated|Connection ended unexpectedly|not queryable|timeout expired|Query read timeout|Timeout acquiring a connection|Unable to acquire a connection/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    const code = (current as Error & { code?: unknown }).code;
    if (
      unavailableErrorNames.has(current.name) ||
      (typeof code === 'string' && (unavailableCodes.has(code) || /^08[0-9A-Z]{3}$/.test(code))) ||
      unavailablePattern.test(current.message)
    ) {
      return true;
    }
    current = current.cause;
  }
  return false;
}
