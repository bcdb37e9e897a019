/**
 * The objects a scenario names ("app.exe", buffer "A", MDL "parent", file
 * "capture.dat", request "R"), kept per scenario alongside its world, and the
 * few ways the suite looks at them: which frames a buffer's pages are in, and
 * whether its bytes carry a named pattern.
 *
 *   const buffer = objects(this).buffers.get('A');
 *
 * A step that names an object the scenario never created fails with a message
 * that names it and lists the objects of that kind that do exist.
 */
import { Process } from '../../src/kernel/io/process';
import { AddressSpace } from '../../src/kernel/mm/address-space';
import { MDL } from '../../src/kernel/mm/mdl';
import { SimulatedFile } from '../../src/kernel/mm/section';
import { Machine } from '../../src/machine/machine';
import { ADDRESS_AND_SIZE_TO_SPAN_PAGES, PAGE_SIZE, pageOf } from '../../src/contracts/units';

export class UnknownScenarioObject extends Error {
  constructor(kind: string, name: string, known: readonly string[]) {
    const listed = known.length === 0 ? `no ${kind} has been named yet` : `the known ones are ${known.map((n) => `"${n}"`).join(', ')}`;
    super(`this scenario has no ${kind} named "${name}": ${listed}`);
    this.name = 'UnknownScenarioObject';
  }
}

export class DuplicateScenarioObject extends Error {
  constructor(kind: string, name: string) {
    super(`this scenario already has a ${kind} named "${name}": give the new one another name`);
    this.name = 'DuplicateScenarioObject';
  }
}

/** Objects of one kind, by the name the scenario gave them. */
export class NamedObjects<T> {
  private readonly byName = new Map<string, T>();

  constructor(readonly kind: string) {}

  add(name: string, item: T): T {
    if (this.byName.has(name)) throw new DuplicateScenarioObject(this.kind, name);
    this.byName.set(name, item);
    return item;
  }

  get(name: string): T {
    const item = this.byName.get(name);
    if (item === undefined) throw new UnknownScenarioObject(this.kind, name, [...this.byName.keys()]);
    return item;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  values(): T[] {
    return [...this.byName.values()];
  }
}

export type BufferKind = 'private memory' | 'mapped view' | 'non-paged pool' | 'paged pool';

/** A range of virtual memory a scenario refers to by name. */
export interface ScenarioBuffer {
  readonly name: string;
  readonly kind: BufferKind;
  readonly va: number;
  readonly length: number;
  /** The process whose address space holds the buffer; null for system space. */
  readonly process: Process | null;
  /**
   * The process that hands the buffer to a driver. A probe of it is then a
   * user-mode probe (the request came from user mode); null when a driver
   * allocated the buffer itself and probes it in kernel mode.
   */
  readonly requestor: Process | null;
  /** The pattern last written into the whole buffer, if any. */
  pattern: string | null;
  /** The frame each page was in when the suite last looked (-1: never seen resident). */
  readonly framesSeen: number[];
  /** For a mapped view: the file it maps (from offset 0). */
  readonly file?: SimulatedFile;
}

/** An MDL a scenario refers to by name, with what it was built over. */
export interface ScenarioMdl {
  readonly name: string;
  readonly mdl: MDL;
  /** The buffer the MDL describes part or all of. */
  readonly buffer: ScenarioBuffer;
  readonly driver: string | null;
}

/** The smallest request an MDL chain hangs from: IoAllocateMdl only needs Irp->MdlAddress. */
export interface ScenarioRequest {
  readonly name: string;
  MdlAddress: MDL | null;
}

export class ScenarioObjects {
  readonly processes = new NamedObjects<Process>('process');
  readonly buffers = new NamedObjects<ScenarioBuffer>('buffer');
  readonly mdls = new NamedObjects<ScenarioMdl>('MDL');
  readonly files = new NamedObjects<SimulatedFile>('file');
  readonly requests = new NamedObjects<ScenarioRequest>('request');

  addBuffer(fields: Omit<ScenarioBuffer, 'pattern' | 'framesSeen'>): ScenarioBuffer {
    return this.buffers.add(fields.name, { ...fields, pattern: null, framesSeen: new Array<number>(pageCountOf(fields)).fill(-1) });
  }

  /** The named MDL whose MDL object is `mdl`, for messages and bug-check parameters. */
  nameOf(mdl: MDL): string | undefined {
    return this.mdls.values().find((m) => m.mdl === mdl)?.name;
  }
}

const registries = new WeakMap<object, ScenarioObjects>();

/** The named objects of the scenario `world` belongs to, created on first use. */
export function objects(world: object): ScenarioObjects {
  let registry = registries.get(world);
  if (!registry) {
    registry = new ScenarioObjects();
    registries.set(world, registry);
  }
  return registry;
}

// --- where a buffer lives ------------------------------------------------------

export function pageCountOf(buffer: Pick<ScenarioBuffer, 'va' | 'length'>): number {
  return ADDRESS_AND_SIZE_TO_SPAN_PAGES(buffer.va, buffer.length);
}

export function addressSpaceOf(machine: Machine, buffer: ScenarioBuffer): AddressSpace {
  return buffer.process ? buffer.process.addressSpace : machine.mm.systemSpace;
}

/** The virtual address of page `page` (counted from 0) of the buffer. */
export function pageAddress(buffer: ScenarioBuffer, page: number): number {
  if (!(Number.isInteger(page) && page >= 0 && page < pageCountOf(buffer))) {
    throw new RangeError(`buffer "${buffer.name}" has pages 0 to ${pageCountOf(buffer) - 1}; there is no page ${page}`);
  }
  return (pageOf(buffer.va) + page) * PAGE_SIZE;
}

/** The frame page `page` of the buffer is resident in now, or -1; never faults. */
export function frameOfPage(machine: Machine, buffer: ScenarioBuffer, page: number): number {
  return machine.mm.translate(pageAddress(buffer, page), addressSpaceOf(machine, buffer));
}

export function framesNow(machine: Machine, buffer: ScenarioBuffer): number[] {
  return Array.from({ length: pageCountOf(buffer) }, (_, page) => frameOfPage(machine, buffer, page));
}

/** Note which frames the buffer's resident pages are in, so later steps can say "the frame that held page 0". */
export function rememberFrames(machine: Machine, buffer: ScenarioBuffer): void {
  framesNow(machine, buffer).forEach((pfn, page) => {
    if (pfn >= 0) buffer.framesSeen[page] = pfn;
  });
}

/**
 * Run `fn` as `driver` would, in the context of the process the buffer's
 * addresses resolve in (the requestor's, for a buffer a process handed over).
 */
export function inContextOf<T>(machine: Machine, buffer: ScenarioBuffer, driver: string | null, fn: () => T): T {
  const process = buffer.process ?? buffer.requestor;
  return machine.cpu.inDriver(driver, () => machine.cpu.inProcess(process, fn));
}

/** The CPU writes the pattern over the whole buffer, in the context the buffer lives in. */
export function writePattern(machine: Machine, buffer: ScenarioBuffer, driver: string | null, pattern: string): void {
  inContextOf(machine, buffer, driver, () => machine.mm.writeVirtual(buffer.va, patternBytes(pattern, 0, buffer.length)));
  buffer.pattern = pattern;
  rememberFrames(machine, buffer);
}

// --- patterns ------------------------------------------------------------------

function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * The bytes [offset, offset+length) of the pattern called `name`. Every
 * 4-byte word depends on the name and on its position, so data that landed on
 * the wrong page, came from another buffer, or stayed zero does not match.
 */
export function patternBytes(name: string, offset: number, length: number): Uint8Array {
  const seed = nameHash(name);
  // Whole words, little-endian (byte k of a word is bits 8k..8k+7), then the asked stretch of them.
  const firstWord = Math.floor(offset / 4);
  const words = Math.ceil((offset + length) / 4) - firstWord;
  const out = new Uint8Array(words * 4);
  const view = new DataView(out.buffer);
  for (let k = 0; k < words; k++) {
    let h = Math.imul((firstWord + k) ^ seed, 0x9e3779b1);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    view.setUint32(k * 4, h >>> 0, true);
  }
  const skip = offset - firstWord * 4;
  return skip === 0 && out.length === length ? out : out.slice(skip, skip + length);
}

/** Null when `actual` carries the pattern from `offset` on; otherwise where and how it differs. */
export function patternMismatch(actual: Uint8Array, name: string, offset = 0): string | null {
  const expected = patternBytes(name, offset, actual.length);
  let first = -1;
  const pagesDiffering = new Set<number>();
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) {
      if (first < 0) first = i;
      pagesDiffering.add(Math.floor((offset + i) / PAGE_SIZE));
    }
  }
  if (first < 0) return null;
  const hexByte = (b: number) => '0x' + b.toString(16).toUpperCase().padStart(2, '0');
  const pages = Math.ceil((offset + actual.length) / PAGE_SIZE) - Math.floor(offset / PAGE_SIZE);
  return `it differs from the pattern "${name}" first at byte ${offset + first} (expected ${hexByte(expected[first]!)}, found ${hexByte(actual[first]!)}); ${pagesDiffering.size} of ${pages} page(s) differ`;
}
