import { describe, expect, it } from 'vitest';
import { ProgressLine } from '../../src/progress.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  const stream = {
    isTTY,
    columns: 80,
    write: (s: string) => writes.push(s) > 0,
  } as unknown as NodeJS.WriteStream;
  return { stream, writes };
}

describe('ProgressLine', () => {
  it('redraws one line in place on a terminal, skipping unchanged frames', () => {
    const { stream, writes } = fakeStream(true);
    const line = new ProgressLine(stream);
    line.update(1, 4, 'tasks done');
    line.update(1, 4, 'tasks done');
    line.update(4, 4, 'tasks done');
    line.finish();
    expect(writes).toEqual([
      `\r\x1b[2K[${'#'.repeat(6)}${'-'.repeat(18)}] 1/4 tasks done`,
      `\r\x1b[2K[${'#'.repeat(24)}] 4/4 tasks done`,
      '\n',
    ]);
  });

  it('stays silent when the stream is not a terminal', () => {
    const { stream, writes } = fakeStream(false);
    const line = new ProgressLine(stream);
    line.update(1, 2, 'x');
    line.finish();
    expect(writes).toEqual([]);
  });
});
