/**
 * A one-line progress display for terminals: redrawn in place, silent when the stream is not a
 * TTY (so logs and pipes stay clean).
 */
const BAR_WIDTH = 24;

export class ProgressLine {
  readonly #stream: NodeJS.WriteStream;
  readonly #enabled: boolean;
  #last = '';

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream;
    this.#enabled = stream.isTTY === true;
  }

  /** Redraws the line: a bar for `done` of `total` (when total is finite), then `text`. */
  update(done: number, total: number, text = ''): void {
    if (!this.#enabled) return;
    const parts: string[] = [];
    if (Number.isFinite(total) && total > 0) {
      const filled = Math.round((Math.min(done, total) / total) * BAR_WIDTH);
      parts.push(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${done}/${total}`);
    }
    if (text) parts.push(text);
    const line = parts.join(' ');
    if (line === this.#last) return;
    this.#last = line;
    const width = this.#stream.columns ?? 100;
    this.#stream.write(`\r\x1b[2K${line.slice(0, Math.max(10, width - 1))}`);
  }

  /** Ends the line so later output starts on a fresh one. */
  finish(): void {
    if (this.#enabled && this.#last) this.#stream.write('\n');
    this.#last = '';
  }
}
