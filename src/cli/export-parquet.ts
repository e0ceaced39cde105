/**
 * The Parquet format of `rushnet export`: one typed column per input and output (INT64,
 * DOUBLE, BOOLEAN, UTF8 text, timestamps; JSON text for a column of mixed types), written a
 * row group at a time through hyparquet-writer, so only one row group is ever in memory.
 * pandas/pyarrow, R arrow and DuckDB read the files.
 */
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { Column, ColumnType } from './export-columns.js';
import { kindOf } from './export-columns.js';
import { type ExportRecord, plain } from './export-records.js';
import type { Output } from './output.js';

/** Rows per row group: a few MB in memory, large enough for readers to scan quickly. */
export const ROW_GROUP = 10_000;

type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];

/** The Parquet schema element of a column (every column may hold nulls). */
function element(column: Column): SchemaElement {
  const name = column.name;
  const base = { name, repetition_type: 'OPTIONAL' as const };
  switch (column.type) {
    case 'int':
      return { ...base, type: 'INT64' };
    case 'double':
      return { ...base, type: 'DOUBLE' };
    case 'bool':
      return { ...base, type: 'BOOLEAN' };
    case 'date':
    case 'timestamp':
      return { ...base, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' };
    default:
      return { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8' };
  }
}

/**
 * A value as its column stores it; `null` when it does not fit (a task that changed between
 * the two passes, e.g. a text where the first pass saw only numbers).
 */
export function parquetValue(type: ColumnType, value: unknown): unknown {
  const kind = kindOf(value);
  if (kind === undefined) return null;
  switch (type) {
    case 'int':
      return kind === 'int' ? BigInt(value as number) : null;
    case 'double':
      return kind === 'int' || kind === 'double' ? value : null;
    case 'bool':
      return kind === 'bool' ? value : null;
    case 'timestamp':
      return kind === 'int' ? BigInt(value as number) : null;
    case 'date': {
      const time = value instanceof Date ? value.getTime() : Number.NaN;
      return Number.isFinite(time) ? BigInt(time) : null;
    }
    case 'string':
      return kind === 'string' ? String(value) : JSON.stringify(plain(value));
    default:
      return JSON.stringify(plain(value));
  }
}

/** A ByteWriter whose bytes go to the output after each row group, then are forgotten. */
class StreamWriter extends ByteWriter {
  constructor(private readonly out: Output) {
    super(1 << 20);
  }

  async flush(): Promise<void> {
    if (this.index === 0) return;
    const bytes = new Uint8Array(this.buffer.slice(0, this.index));
    this.index = 0;
    await this.out.bytes(bytes);
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}

/** Writes the records as a Parquet file with these columns; resolves to how many. */
export async function writeParquet(
  out: Output,
  columns: Column[],
  batches: AsyncIterable<ExportRecord[]>,
): Promise<number> {
  const writer = new ParquetWriter({
    writer: new StreamWriter(out),
    schema: [{ name: 'root', num_children: columns.length }, ...columns.map(element)],
    createdBy: 'rushnet export (hyparquet-writer)',
  });
  let group: ExportRecord[] = [];
  let n = 0;
  const writeGroup = async () => {
    const columnData = columns.map((c) => ({
      name: c.name,
      data: group.map((record) => parquetValue(c.type, record[c.name])),
    }));
    await writer.write({ columnData, rowGroupSize: group.length });
    n += group.length;
    group = [];
  };
  for await (const records of batches) {
    for (const record of records) {
      group.push(record);
      if (group.length >= ROW_GROUP) await writeGroup();
    }
  }
  if (group.length > 0) await writeGroup();
  await writer.finish();
  return n;
}
