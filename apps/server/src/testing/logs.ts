/** A pino logger whose lines a test can read, parsed, and wait for. */
import { Writable } from 'node:stream';
import pino from 'pino';
import { eventually } from './poll.js';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export function captureLogs(level = 'info') {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return {
    logger: pino({ level }, sink),
    lines,
    /** The lines whose message matches. */
    matching: (pattern: RegExp) => lines.filter((line) => pattern.test(line.msg)),
    /** The first line that matches, waiting for it (bounded). */
    async waitFor(match: (line: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> {
      let found: LogLine | undefined;
      await eventually(
        () => `a log line matching ${String(match)} in:\n${lines.map((line) => JSON.stringify(line)).join('\n')}`,
        () => {
          found = lines.find(match);
          return found !== undefined;
        },
        timeoutMs,
      );
      return found as LogLine;
    },
  };
}

export type LogCapture = ReturnType<typeof captureLogs>;
