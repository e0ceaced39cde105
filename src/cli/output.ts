/**
 * Where a streamed export goes (stdout or a file), with backpressure: a write waits while the
 * stream's buffer is full, so a slow reader (a pipe, a disk) holds the export back instead of
 * letting it pile up in memory. Text is gathered into chunks of some 64 KiB per write.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

const CHUNK_BYTES = 64 * 1024;

export class Output {
  #parts: string[] = [];
  #size = 0;

  constructor(private readonly stream: Writable) {}

  /** Adds text; resolves once it may be added to (at once unless a chunk had to wait). */
  async text(text: string): Promise<void> {
    this.#parts.push(text);
    this.#size += text.length;
    if (this.#size >= CHUNK_BYTES) await this.flush();
  }

  /** Writes what was gathered, then these bytes. */
  async bytes(bytes: Uint8Array): Promise<void> {
    await this.flush();
    await this.#write(bytes);
  }

  async flush(): Promise<void> {
    if (this.#parts.length === 0) return;
    const text = this.#parts.join('');
    this.#parts = [];
    this.#size = 0;
    await this.#write(text);
  }

  /** Writes the rest and, for a file, closes it (resolves once it is on disk). */
  async end(): Promise<void> {
    await this.flush();
    if (this.stream === process.stdout) return;
    this.stream.end();
    await once(this.stream, 'finish');
  }

  async #write(chunk: string | Uint8Array): Promise<void> {
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }
}
