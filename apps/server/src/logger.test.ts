import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('the production log', () => {
  it('writes every buffered line and the crash itself when the process dies of an uncaught exception', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/testing/crash-after-logging.ts'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: number; msg: string; line?: number; err?: { message: string } });
    expect(code).toBe(1);
    expect(lines.map((line) => line.line ?? line.msg)).toEqual([1, 2, 3, 'Uncaught exception; exiting']);
    expect(lines.at(-1)).toMatchObject({ level: 60, err: { message: 'the crash' } });
  });
});
