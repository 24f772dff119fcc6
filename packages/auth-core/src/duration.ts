/** Parses durations such as `15m`, `30d`, `1h`, `45s` or a bare number of seconds. */
const unitSeconds = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;

/** Zero is refused unless `allowZero` (a setting where `0s` means "off"). */
export function parseDurationSeconds(value: string, options: { allowZero?: boolean } = {}): number | null {
  const match = /^(\d+)\s*([smhdw]?)$/.exec(value.trim());
  if (!match) return null;
  const amount = Number(match[1]);
  const unit = (match[2] || 's') as keyof typeof unitSeconds;
  const seconds = amount * unitSeconds[unit];
  return Number.isSafeInteger(seconds) && (seconds > 0 || (options.allowZero === true && seconds === 0))
    ? seconds
    : null;
}
