import { createReadStream, promises as fsp } from 'node:fs';
import { Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';

/**
 * Random access to the members of a zip file (an .xlsx workbook) through its central directory.
 *
 * Why not exceljs' own streaming reader: it walks the zip front to back with unzipper, whose parser emits
 * 'end' as soon as it reaches the end of the directory, and exceljs stops at that 'end' even when small
 * trailing members (the workbook part, styles, shared strings, depending on the writer) are still queued:
 * they are dropped silently, so sheet names, dates or strings go missing. Reading the directory first lets us
 * open exactly the members we need, in the order we need them, whatever order the writer used, and stream
 * only the selected sheet (no temporary files for the others).
 */
export interface ZipMember {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
/** A workbook's directory is small (a few entries per sheet); refuse absurd ones rather than buffer them. */
const MAX_DIRECTORY_BYTES = 64 * 1024 * 1024;

export class ZipFormatError extends Error {}

async function readAt(file: fsp.FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

const u64 = (buffer: Buffer, offset: number): number => {
  const value = buffer.readBigUInt64LE(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError('zip offsets beyond 2^53 bytes');
  return Number(value);
};

export class ZipDirectory {
  private constructor(
    private readonly path: string,
    readonly members: Map<string, ZipMember>,
  ) {}

  /** Reads the central directory. Throws ZipFormatError when the file is not a zip archive. */
  static async open(path: string): Promise<ZipDirectory> {
    const file = await fsp.open(path, 'r');
    try {
      const size = (await file.stat()).size;
      // The end-of-central-directory record sits in the last 22 bytes plus an optional comment (< 64 KiB).
      const tailLength = Math.min(size, 22 + 0xffff);
      const tail = await readAt(file, size - tailLength, tailLength);
      let eocd = -1;
      for (let i = tail.length - 22; i >= 0; i--) {
        if (tail.readUInt32LE(i) === EOCD_SIGNATURE) {
          eocd = i;
          break;
        }
      }
      if (eocd < 0) throw new ZipFormatError('not a zip archive (no central directory found)');
      let entries = tail.readUInt16LE(eocd + 10);
      let directorySize = tail.readUInt32LE(eocd + 12);
      let directoryOffset = tail.readUInt32LE(eocd + 16);
      if (entries === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
        // ZIP64: the real values live in the zip64 end record, found through the locator just before.
        const locatorAt = eocd - 20;
        if (locatorAt < 0 || tail.readUInt32LE(locatorAt) !== ZIP64_LOCATOR_SIGNATURE) throw new ZipFormatError('zip64 locator missing');
        const record = await readAt(file, u64(tail, locatorAt + 8), 56);
        if (record.length < 56 || record.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE) throw new ZipFormatError('zip64 end record missing');
        entries = u64(record, 32);
        directorySize = u64(record, 40);
        directoryOffset = u64(record, 48);
      }
      if (directorySize > MAX_DIRECTORY_BYTES) throw new ZipFormatError(`central directory of ${directorySize} bytes is too large`);
      if (directoryOffset + directorySize > size) throw new ZipFormatError('central directory lies outside the file (truncated?)');
      const directory = await readAt(file, directoryOffset, directorySize);

      const members = new Map<string, ZipMember>();
      let at = 0;
      for (let n = 0; n < entries; n++) {
        if (at + 46 > directory.length || directory.readUInt32LE(at) !== CENTRAL_HEADER_SIGNATURE) throw new ZipFormatError('corrupt central directory');
        const nameLength = directory.readUInt16LE(at + 28);
        const extraLength = directory.readUInt16LE(at + 30);
        const commentLength = directory.readUInt16LE(at + 32);
        const member: ZipMember = {
          name: directory.toString('utf8', at + 46, at + 46 + nameLength),
          flags: directory.readUInt16LE(at + 8),
          method: directory.readUInt16LE(at + 10),
          compressedSize: directory.readUInt32LE(at + 20),
          uncompressedSize: directory.readUInt32LE(at + 24),
          localHeaderOffset: directory.readUInt32LE(at + 42),
        };
        // ZIP64 extra field (id 1): 64-bit values, in this order, for each 32-bit field that is saturated.
        let extra = at + 46 + nameLength;
        const extraEnd = extra + extraLength;
        while (extra + 4 <= extraEnd) {
          const id = directory.readUInt16LE(extra);
          const length = directory.readUInt16LE(extra + 2);
          if (id === 0x0001) {
            let field = extra + 4;
            if (member.uncompressedSize === 0xffffffff) {
              member.uncompressedSize = u64(directory, field);
              field += 8;
            }
            if (member.compressedSize === 0xffffffff) {
              member.compressedSize = u64(directory, field);
              field += 8;
            }
            if (member.localHeaderOffset === 0xffffffff) member.localHeaderOffset = u64(directory, field);
          }
          extra += 4 + length;
        }
        members.set(member.name, member);
        at = extraEnd + commentLength;
      }
      return new ZipDirectory(path, members);
    } finally {
      await file.close();
    }
  }

  has(name: string): boolean {
    return this.members.has(name);
  }

  /** The uncompressed content of a member, streamed. */
  async open(name: string, signal?: AbortSignal): Promise<Readable> {
    const member = this.members.get(name);
    if (!member) throw new ZipFormatError(`member ${name} missing`);
    if (member.flags & 0x1) throw new ZipFormatError(`member ${name} is encrypted`);
    if (member.method !== 0 && member.method !== 8) throw new ZipFormatError(`member ${name} uses unsupported compression method ${member.method}`);
    const file = await fsp.open(this.path, 'r');
    let header: Buffer;
    try {
      header = await readAt(file, member.localHeaderOffset, 30);
    } finally {
      await file.close();
    }
    if (header.length < 30 || header.readUInt32LE(0) !== LOCAL_HEADER_SIGNATURE) throw new ZipFormatError(`corrupt local header for ${name}`);
    const start = member.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
    if (member.compressedSize === 0) return Readable.from([]);
    const raw = createReadStream(this.path, { start, end: start + member.compressedSize - 1, signal, highWaterMark: 256 * 1024 });
    if (member.method === 0) return raw;
    const inflate = createInflateRaw();
    raw.on('error', (error) => inflate.destroy(error));
    inflate.on('close', () => raw.destroy());
    return raw.pipe(inflate);
  }
}
