/**
 * An application: a scripted user process that opens a device, allocates and
 * fills buffers, issues synchronous or overlapped I/O, closes handles and
 * exits, the way scenarios and workloads drive a driver under test.
 *
 * I/O calls never throw for bad input: a kernel address, a freed or
 * too-short buffer, an unknown handle all come back as a finished request
 * with an error status. Only the application's own touches of its memory
 * (writeBytes on a freed buffer) raise, as they would crash a real program.
 */
import { PASSIVE_LEVEL } from '../../machine/irql';
import { NtStatus } from '../../machine/ntstatus';
import { formatAddress } from '../../contracts/units';
import type { DataPattern } from '../../pci/data-pattern';
import { statusName } from '../../machine/ntstatus';
import { IoManager, ReadWriteOptions } from './io-manager';
import { IoRequest } from './io-request';
import { Process } from './process';
import type { StreamComparison } from '../mm/stream-comparison';

/** A buffer in the application's address space. */
export interface UserBuffer {
  /** The address the application passes to I/O calls (base + offset). */
  readonly address: number;
  readonly length: number;
  /** The start of the allocation (what VirtualFree takes). */
  readonly base: number;
  /** Bytes allocated from base; the buffer ends before base + allocatedLength. */
  readonly allocatedLength: number;
  readonly kind: 'private' | 'view';
  freed: boolean;
}

export interface AllocateOptions {
  /** Start the buffer this many bytes into the allocation (an unaligned start). */
  readonly offset?: number;
}

/** A buffer argument: an allocated buffer, or a raw address (to pass deliberately bad ones). */
export type BufferArgument = UserBuffer | number | null;

export class ApplicationError extends Error {
  constructor(readonly application: string, readonly status: NtStatus | null, detail: string) {
    super(`application ${application}: ${detail}`);
    this.name = 'ApplicationError';
  }
}

export class Application {
  readonly process: Process;
  private readonly buffers = new Set<UserBuffer>();

  constructor(readonly io: IoManager, readonly name: string) {
    this.process = io.kernel.createProcess(name);
  }

  private get mm() {
    return this.io.kernel.mm;
  }

  /** Run as the application: its process, PASSIVE_LEVEL, no driver. */
  private asApplication<T>(fn: () => T): T {
    const cpu = this.io.kernel.cpu;
    return cpu.inDriver(null, () => cpu.inProcess(this.process, () => cpu.atIrql(PASSIVE_LEVEL, fn)));
  }

  // --- handles ---------------------------------------------------------------

  /** CreateFile; the status says why it failed. */
  CreateFile(deviceName: string): { status: NtStatus; handle: number | null } {
    return this.asApplication(() => this.io.createFile(this.process, deviceName));
  }

  /** Open a device and return the handle; a failure is an ApplicationError naming the status. */
  open(deviceName: string): number {
    const { status, handle } = this.CreateFile(deviceName);
    if (handle === null) throw new ApplicationError(this.name, status, `opening ${deviceName} failed with ${statusName(status)}`);
    return handle;
  }

  CloseHandle(handle: number): NtStatus {
    return this.asApplication(() => this.io.closeHandle(this.process, handle));
  }

  /**
   * DuplicateHandle into another application's process (as a handle a child
   * inherits): both handles refer to the same open of the device, and the
   * driver's cleanup comes only when the last of them closes.
   */
  DuplicateHandle(handle: number, target: Application): { status: NtStatus; handle: number | null } {
    return this.asApplication(() => this.io.duplicateHandle(this.process, handle, target.process));
  }

  // --- memory ----------------------------------------------------------------

  /** VirtualAlloc a buffer of `size` bytes, optionally starting `offset` bytes into its allocation. */
  allocate(size: number, options: AllocateOptions = {}): UserBuffer {
    const offset = options.offset ?? 0;
    if (!(Number.isSafeInteger(size) && size > 0)) throw new ApplicationError(this.name, null, `buffer size must be a positive whole number of bytes, got ${size}`);
    if (!(Number.isSafeInteger(offset) && offset >= 0)) throw new ApplicationError(this.name, null, `buffer offset must be a non-negative whole number of bytes, got ${offset}`);
    const base = this.mm.allocateVirtual(this.process.addressSpace, size + offset, { label: `${this.name} buffer` });
    const buffer: UserBuffer = { address: base + offset, length: size, base, allocatedLength: size + offset, kind: 'private', freed: false };
    this.buffers.add(buffer);
    return buffer;
  }

  /** VirtualFree (or UnmapViewOfFile for a mapped file). Freeing during I/O is allowed: the driver's request must then fail or finish safely. */
  free(buffer: UserBuffer): void {
    if (buffer.freed) throw new ApplicationError(this.name, null, `buffer at ${formatAddress(buffer.address)} was already freed`);
    if (buffer.kind === 'view') this.mm.unmapViewOfSection(this.process.addressSpace, buffer.base);
    else this.mm.freeVirtual(this.process.addressSpace, buffer.base);
    buffer.freed = true;
    this.buffers.delete(buffer);
  }

  /**
   * Map `size` bytes of a file into the application (CreateFileMapping +
   * MapViewOfFile). The file is created with `contents` if it does not exist.
   */
  mapFile(fileName: string, size: number, contents?: Uint8Array): UserBuffer {
    const file = this.mm.files.get(fileName) ?? this.mm.createFile(fileName, size, contents);
    const section = this.mm.createSection(file);
    const base = this.mm.mapViewOfSection(this.process.addressSpace, section, 0, size);
    const buffer: UserBuffer = { address: base, length: size, base, allocatedLength: size, kind: 'view', freed: false };
    this.buffers.add(buffer);
    return buffer;
  }

  /** FlushViewOfFile: write the view's changed pages to its file; returns the pages written. */
  flush(buffer: UserBuffer): number {
    if (buffer.kind !== 'view') throw new ApplicationError(this.name, null, `buffer at ${formatAddress(buffer.address)} is not a mapped file view`);
    return this.mm.flushViewOfFile(this.process.addressSpace, buffer.address, buffer.length);
  }

  writeBytes(buffer: UserBuffer, bytes: Uint8Array, at = 0): void {
    this.checkRange(buffer, at, bytes.length);
    this.asApplication(() => this.mm.writeVirtual(buffer.address + at, bytes, this.process.addressSpace));
  }

  readBytes(buffer: UserBuffer, length = buffer.length, at = 0): Uint8Array {
    this.checkRange(buffer, at, length);
    return this.asApplication(() => this.mm.readVirtual(buffer.address + at, length, this.process.addressSpace));
  }

  /** Fill the buffer with the pattern's bytes for stream offsets [streamOffset, streamOffset + length). */
  writePattern(buffer: UserBuffer, pattern: DataPattern, streamOffset = 0): void {
    this.checkRange(buffer, 0, buffer.length);
    this.asApplication(() => this.mm.writeVirtualPattern(buffer.address, buffer.length, pattern, streamOffset, this.process.addressSpace));
  }

  /** Compare the buffer (from `at`) with the pattern's stream from `streamOffset`, reading it as readBytes does. */
  comparePattern(buffer: UserBuffer, pattern: DataPattern, streamOffset = 0, length = buffer.length, at = 0): StreamComparison {
    this.checkRange(buffer, at, length);
    return this.asApplication(() => this.mm.compareVirtualWithPattern(buffer.address + at, length, pattern, streamOffset, this.process.addressSpace));
  }

  /** Compare the buffer with the pattern; the first differing offset, or null when all bytes match. */
  firstPatternMismatch(buffer: UserBuffer, pattern: DataPattern, streamOffset = 0, length = buffer.length): number | null {
    const comparison = this.comparePattern(buffer, pattern, streamOffset, length);
    return comparison.matches ? null : comparison.first;
  }

  private checkRange(buffer: UserBuffer, at: number, length: number): void {
    if (at < 0 || at + length > buffer.length) throw new ApplicationError(this.name, null, `access of ${length} byte(s) at offset ${at} is outside the ${buffer.length}-byte buffer`);
  }

  // --- I/O -------------------------------------------------------------------

  /** ReadFile into a buffer (or a raw address); synchronous unless `overlapped`. */
  ReadFile(handle: number, buffer: BufferArgument, length?: number, options: ReadWriteOptions = {}): IoRequest {
    const { address, size } = this.argument(buffer, length);
    return this.asApplication(() => this.io.read(this.process, handle, address, size, options));
  }

  WriteFile(handle: number, buffer: BufferArgument, length?: number, options: ReadWriteOptions = {}): IoRequest {
    const { address, size } = this.argument(buffer, length);
    return this.asApplication(() => this.io.write(this.process, handle, address, size, options));
  }

  DeviceIoControl(handle: number, ioControlCode: number, input: BufferArgument, inputLength: number | undefined, output: BufferArgument, outputLength: number | undefined, options: { overlapped?: boolean } = {}): IoRequest {
    const inArg = input === null ? { address: null, size: inputLength ?? 0 } : this.argument(input, inputLength);
    const outArg = output === null ? { address: null, size: outputLength ?? 0 } : this.argument(output, outputLength);
    return this.asApplication(() => this.io.deviceIoControl(this.process, handle, ioControlCode, inArg.address, inArg.size, outArg.address, outArg.size, options));
  }

  /** Wait for an overlapped request to finish (runs the machine; a driver that never completes it is reported). */
  waitFor(request: IoRequest): IoRequest {
    return this.io.waitForRequest(request);
  }

  CancelIo(handle: number): NtStatus {
    return this.asApplication(() => this.io.cancelIo(this.process, handle));
  }

  /** CancelIoEx: cancel one overlapped request of the handle; STATUS_NOT_FOUND once it has finished. */
  CancelIoEx(handle: number, request: IoRequest): NtStatus {
    return this.asApplication(() => this.io.cancelIoEx(this.process, handle, request));
  }

  /** ExitProcess: close every handle, wait for outstanding I/O, then end (the kernel checks for locked pages). */
  exit(): void {
    this.io.exitProcess(this.process);
    for (const b of this.buffers) b.freed = true;
    this.buffers.clear();
  }

  get exited(): boolean {
    return this.process.exited;
  }

  private argument(buffer: BufferArgument, length: number | undefined): { address: number; size: number } {
    if (buffer === null) return { address: 0, size: length ?? 0 };
    if (typeof buffer === 'number') {
      if (length === undefined) throw new ApplicationError(this.name, null, `a raw buffer address (${formatAddress(buffer)}) needs an explicit length`);
      return { address: buffer, size: length };
    }
    return { address: buffer.address, size: length ?? buffer.length };
  }
}
