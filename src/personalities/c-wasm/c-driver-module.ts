/**
 * A compiled C driver as the suite's DriverModule: the same shape a
 * TypeScript driver has, so conformance, fuzz and sweep run it unchanged.
 *
 * Every DriverEntry (one per machine) instantiates the module afresh, so each
 * machine's driver has its own globals and memory; the later entry points
 * find that instance through the DRIVER_OBJECT they concern.
 */
import * as fs from 'node:fs';
import { BugCheck, describeThrownIn } from '../../machine/bug-check';
import { NtStatus } from '../../machine/ntstatus';
import type { DEVICE_OBJECT } from '../../kernel/io/device-object';
import type { DRIVER_OBJECT } from '../../kernel/io/driver-object';
import type { DeviceResources } from '../../kernel/io/device-resources';
import type { DriverModule } from '../wdm/contract';
import type { KernelApi } from '../wdm/kernel-api';
import { AddressTokens } from './address-tokens';
import { FrameAliases } from './frame-aliases';
import { DriverMisuse, GlueContext, buildImports, contextToC } from './import-glue';
import { KernelStructures, LAYOUT } from './kernel-structures';
import { LinearMemory } from './linear-memory';
import { BadAccessKind, checkedAccessImports } from './checked-access';
import { SourceLineTable, readSourceLines, sourceLineAt } from './source-lines';
import type { Kernel } from '../../kernel/kernel';
import { setPlaceFinderOf } from '../driver-places';
import { DriverPlace, currentStack, formatDriverPlace } from '../../machine/driver-place';
import { spinGuard } from '../../kernel/io/wall-clock-watchdog';
import { DISPATCH_LEVEL } from '../../machine/irql';
import { installingKernel } from '../installing-kernel';

/** KMODE_EXCEPTION_NOT_HANDLED: C faulted (a trap) with no handler, as a wild dereference does on Windows. */
const KMODE_EXCEPTION_NOT_HANDLED = 0x1e;
const STATUS_ACCESS_VIOLATION = 0xc0000005;
/** PAGE_FAULT_IN_NONPAGED_AREA: what Windows stops with when a driver touches freed special pool or a wild address. */
const PAGE_FAULT_IN_NONPAGED_AREA = 0x50;
/** DRIVER_IRQL_NOT_LESS_OR_EQUAL: pageable memory touched at DISPATCH_LEVEL or above. */
const DRIVER_IRQL_NOT_LESS_OR_EQUAL = 0xd1;

export interface CDriverClaims {
  readonly name: string;
  readonly conformanceClasses: readonly string[];
  readonly description?: string;
  /** A faulty driver's declared rule (DMA_CONFORMANCE_FAULTY_DRIVER). */
  readonly breaksRule?: string;
}

/** One DMA_CONFORMANCE_DRIVER or DMA_CONFORMANCE_FAULTY_DRIVER record: its lines, from "name=" on. */
function claimRecords(text: string): Map<string, string>[] {
  const records: Map<string, string>[] = [];
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    if (key === 'name' || records.length === 0) records.push(new Map());
    records[records.length - 1]!.set(key, line.slice(eq + 1));
  }
  return records;
}

function claimsOf(fields: Map<string, string>): CDriverClaims {
  const classes = (fields.get('classes') ?? '').split(',').map((c) => c.trim()).filter((c) => c !== '');
  const description = fields.get('description');
  const breaksRule = fields.get('breaksRule')?.trim();
  return { name: fields.get('name') ?? '', conformanceClasses: classes, ...(description ? { description } : {}), ...(breaksRule ? { breaksRule } : {}) };
}

/**
 * The claims the DMA_CONFORMANCE_DRIVER macro put in the module's custom section, or null when it has none.
 * A faulty variant links its driver's sources, whose claims come along: the faulty driver's claims are the module's.
 * Two claims of the same kind are a problem the contract check reports (`conflicting`).
 */
export function readDriverClaims(module: WebAssembly.Module): (CDriverClaims & { readonly conflicting?: readonly string[] }) | null {
  const text = WebAssembly.Module.customSections(module, 'dma_conformance_driver').map((s) => Buffer.from(s).toString('utf8')).join('\n');
  const records = claimRecords(text).map(claimsOf);
  if (records.length === 0) return null;
  const faulty = records.filter((r) => r.breaksRule !== undefined);
  const chosen = faulty.length > 0 ? faulty : records;
  return chosen.length === 1 ? chosen[0]! : { ...chosen[0]!, conflicting: chosen.map((r) => r.name) };
}

/** One instance of the driver, on one machine. */
class CDriverInstance {
  readonly glue: GlueContext;
  private readonly exports: Record<string, unknown>;
  private readonly table: WebAssembly.Table;
  private readonly stackPointer: WebAssembly.Global;
  private readonly functionNames: Map<number, string>;

  constructor(module: WebAssembly.Module, kernelApi: KernelApi, private readonly kernel: Kernel, functionNames: Map<number, string>, private readonly sourceLines: SourceLineTable | null) {
    this.functionNames = functionNames;
    const late: { glue?: GlueContext } = {};
    const imports = buildImports(new Proxy({} as GlueContext, { get: (_t, key) => (late.glue as unknown as Record<string | symbol, unknown>)[key] }));
    const env = checkedAccessImports(module, () => this.glue.linear, (what, address, size, write, kind) => this.badAccess(what, address, size, write, kind), (address, size) => this.pageableAtRaisedIrql(address, size));
    // The watchdog's check (include/wdm.h): a routine past its wall-clock budget throws DriverSpinning out through C.
    const instance = new WebAssembly.Instance(module, { ...imports, env, watchdog: { check: spinGuard } } as unknown as WebAssembly.Imports);
    this.exports = instance.exports as Record<string, unknown>;
    this.table = this.exports.__indirect_function_table as WebAssembly.Table;
    this.stackPointer = this.exports.__stack_pointer as WebAssembly.Global;
    const heapBase = Number((this.exports.__heap_base as WebAssembly.Global).value);
    const linear = new LinearMemory(this.exports.memory as WebAssembly.Memory, heapBase);
    const aliases = new FrameAliases(kernel.mm, linear);
    const tokens = new AddressTokens();
    const dmaOperations = typeof this.exports.__wdm_dma_operations === 'function' ? (this.exports.__wdm_dma_operations as () => number)() : 0;
    const structures = new KernelStructures(linear, aliases, tokens, dmaOperations);
    this.glue = { kernel: kernelApi, linear, structures, aliases, tokens, ioSpace: new Map(), callC: (index, args) => this.callIndex(index, args) };
    late.glue = this.glue;
  }

  /** A checked build's access check failed: the machine stops, naming the C function and line of the access. */
  private badAccess(what: string, address: number, size: number, write: boolean, kind: BadAccessKind = 'not-owned'): never {
    const stack = currentStack(); // deep enough to reach the C frame that made the access, below the checking calls
    const place = cPlaceOf(stack, this.functionNames, this.sourceLines);
    const where = place ? (place.line > 0 ? formatDriverPlace(place) : place.function) : 'the driver';
    const reason = `C function ${where} ${write ? 'wrote' : 'read'} ${size} byte(s) at 0x${address.toString(16)}: ${what} (checked build)`;
    const stop = kind === 'pageable-at-raised-irql'
      ? new BugCheck(DRIVER_IRQL_NOT_LESS_OR_EQUAL, this.glue.aliases.systemOf(address) ?? address, this.kernel.cpu.irql, write ? 1 : 0, 0, reason)
      : new BugCheck(PAGE_FAULT_IN_NONPAGED_AREA, address, write ? 1 : 0, 0, 0, reason);
    if (place && place.line > 0) stop.place = place;
    return this.kernel.crash(stop);
  }

  /** Paged pool touched at DISPATCH_LEVEL or above: why, or null. */
  private pageableAtRaisedIrql(address: number, size: number): string | null {
    if (this.kernel.cpu.irql < DISPATCH_LEVEL) return null;
    const va = this.glue.aliases.systemOf(address);
    if (va === null) return null;
    const region = this.kernel.mm.systemSpace.regionAt(va) ?? this.kernel.mm.systemSpace.regionAt(va + size - 1);
    return region?.kind === 'paged-pool' ? `paged pool (${region.label}) touched at IRQL ${this.kernel.cpu.irql}: pageable memory may not be touched at DISPATCH_LEVEL or above` : null;
  }

  /** Call an exported entry point. */
  callExport(name: string, args: number[]): number {
    return this.guarded(name, () => (this.exports[name] as (...a: number[]) => number)(...args));
  }

  /**
   * Call a function pointer the driver gave the kernel. One that names no function of the table, or one
   * whose parameters are not the call's (where C's own call_indirect would trap), is the driver's program
   * error: a crash in the routine that called it, as a bad call is in a TypeScript driver.
   */
  callIndex(index: number, args: number[]): number {
    const fn = (index > 0 && index < this.table.length ? this.table.get(index) : null) as ((...a: number[]) => number) | null;
    if (typeof fn !== 'function') throw new DriverMisuse(`the C driver gave the kernel function pointer ${index}, which is no function (its table holds ${this.table.length})`);
    if (fn.length !== args.length) throw new DriverMisuse(`the C driver gave the kernel function pointer ${index} (${this.functionNames.get(Number(fn.name)) ?? fn.name}), which takes ${fn.length} argument(s) where the kernel passes ${args.length}`);
    return this.guarded(`function pointer ${index}`, () => fn(...args));
  }

  /** After DriverEntry: the dispatch routines and the DriverUnload C stored in its DRIVER_OBJECT. */
  readDriverObject(driverObject: DRIVER_OBJECT): void {
    const at = this.glue.structures.pointerTo(driverObject);
    const v = this.glue.linear.view;
    for (let major = 0; major < LAYOUT.DRIVER_OBJECT.MajorFunctionCount; major++) {
      const index = v.getUint32(at + LAYOUT.DRIVER_OBJECT.MajorFunction + 4 * major, true);
      if (index === 0) continue;
      driverObject.MajorFunction[major] = (device: DEVICE_OBJECT, irp) => {
        const result = this.callIndex(index, [this.glue.structures.pointerTo(device), this.glue.structures.pointerTo(irp)]);
        this.glue.structures.absorb(irp);
        return result >>> 0;
      };
    }
    const unload = v.getUint32(at + LAYOUT.DRIVER_OBJECT.DriverUnload, true);
    if (unload !== 0) driverObject.DriverUnload = (o: DRIVER_OBJECT) => { this.callIndex(unload, [this.glue.structures.pointerTo(o)]); };
  }

  /**
   * Run C: a JS exception (a bug check raised in a kernel routine) unwinding through C frames leaves
   * C's shadow stack pointer where it was, so it is restored; a trap in C is a bug check naming the C function.
   */
  private guarded(what: string, run: () => number): number {
    const sp = this.stackPointer.value;
    try {
      return run();
    } catch (e) {
      this.stackPointer.value = sp;
      if (e instanceof WebAssembly.RuntimeError) {
        const where = this.cFunctionOf(e) ?? what;
        // A trap is the C program's own error, as a TypeError is a TypeScript driver's: a crash.
        const thrownIn = { driver: this.kernel.cpu.currentDriver, routine: `C function ${where}`, exception: `trap: ${e.message} (a dereference of a user address, a register or unmapped memory, or another fault)` };
        const stop = new BugCheck(KMODE_EXCEPTION_NOT_HANDLED, STATUS_ACCESS_VIOLATION, 0, 0, 0, describeThrownIn(thrownIn));
        stop.exception = 'program-error';
        stop.thrownIn = thrownIn;
        const place = cPlaceOf(e.stack ?? '', this.functionNames, this.sourceLines);
        if (place && place.line > 0) stop.place = place;
        return this.kernel.crash(stop);
      }
      throw e;
    }
  }

  /** The innermost C function of a stack (a trap's, or a checked access's), with its file:line from the compile's line table. */
  private cFunctionOf(e: Error): string | null {
    const place = cPlaceOf(e.stack ?? '', this.functionNames, this.sourceLines);
    return place ? (place.line > 0 ? formatDriverPlace(place) : place.function) : null;
  }
}

/**
 * The innermost C frame of a stack: its function, and its file:line from the compile's line table
 * (line 0 when the table has none for it).
 */
export function cPlaceOf(stack: string, functionNames: ReadonlyMap<number, string>, sourceLines: SourceLineTable | null): DriverPlace | null {
  for (const line of stack.split('\n')) {
    const frame = /wasm-function\[(\d+)\]:0x([0-9a-f]+)/.exec(line);
    if (!frame) continue;
    // V8 names the frame from the name section, prefixed with the module's name ("driver.wasm.").
    const named = /at (\S+) \(wasm:/.exec(line)?.[1]?.replace(/^\$/, '').replace(/^.*\.wasm\./, '');
    const name = named ?? functionNames.get(Number(frame[1])) ?? `wasm-function[${frame[1]}]`;
    const place = sourceLines ? sourceLineAt(sourceLines, parseInt(frame[2]!, 16)) : null;
    return place ? { function: place.function || name, file: place.file, line: place.line } : { function: name, file: '', line: 0 };
  }
  return null;
}

/** Function names from the wasm "name" section (subsection 1), by function index. */
function readFunctionNames(module: WebAssembly.Module): Map<number, string> {
  const names = new Map<number, string>();
  const section = WebAssembly.Module.customSections(module, 'name')[0];
  if (!section) return names;
  const bytes = new Uint8Array(section);
  let at = 0;
  const leb = () => { let r = 0, shift = 0, b; do { b = bytes[at++]!; r |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80); return r >>> 0; };
  while (at < bytes.length) {
    const id = bytes[at++]!;
    const size = leb();
    const end = at + size;
    if (id === 1) {
      const count = leb();
      for (let i = 0; i < count; i++) {
        const index = leb();
        const length = leb();
        names.set(index, Buffer.from(bytes.subarray(at, at + length)).toString('utf8'));
        at += length;
      }
    }
    at = end;
  }
  return names;
}

/** The DriverModule of a compiled C driver (.wasm); `problems` lists what it lacks of the contract. */
export function cDriverModule(wasmPath: string): { driver: DriverModule; problems: string[] } {
  const module = new WebAssembly.Module(fs.readFileSync(wasmPath));
  const claims = readDriverClaims(module);
  const exported = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  const functionNames = readFunctionNames(module);
  const sourceLines = readSourceLines(wasmPath);
  const problems: string[] = [];
  if (!claims) problems.push('no DMA_CONFORMANCE_DRIVER("name", "class,...", "description") in the driver: the suite reads the driver\'s name and classes from it');
  if (claims?.conflicting) problems.push(`the driver's sources declare ${claims.conflicting.length} drivers (${claims.conflicting.join(', ')}): one DMA_CONFORMANCE_DRIVER per driver, or one DMA_CONFORMANCE_FAULTY_DRIVER in a faulty variant`);
  for (const required of ['memory', '__indirect_function_table', '__stack_pointer', '__heap_base']) {
    if (!exported.has(required)) problems.push(`the module does not export ${required} (compile it with the suite's flags)`);
  }
  const instances = new WeakMap<DRIVER_OBJECT, CDriverInstance>();
  const of = (driverObject: DRIVER_OBJECT): CDriverInstance => {
    const instance = instances.get(driverObject);
    if (!instance) throw new Error(`the C driver has not been loaded into ${driverObject.DriverName} (DriverEntry did not run)`);
    return instance;
  };
  const device = (d: DEVICE_OBJECT) => of(d.DriverObject);
  const call = (i: CDriverInstance, name: string, args: number[]) => i.callExport(name, args);

  const placeFinder = (stack: string): DriverPlace | null => {
    const place = cPlaceOf(stack, functionNames, sourceLines);
    return place && place.line > 0 ? place : null;
  };
  const driver: Record<string, unknown> = {
    name: claims?.name ?? '',
    conformanceClasses: claims?.conformanceClasses ?? [],
    ...(claims?.description ? { description: claims.description } : {}),
    ...(claims?.breaksRule ? { breaksRule: claims.breaksRule } : {}),
    DriverEntry(DriverObject: DRIVER_OBJECT, Kernel: KernelApi): NtStatus {
      const kernel = installingKernel();
      if (!kernel) throw new Error('internal: a C driver is loaded by installDriver, which names its machine\'s kernel');
      const instance = new CDriverInstance(module, Kernel, kernel, functionNames, sourceLines);
      instances.set(DriverObject, instance);
      const status = call(instance, 'DriverEntry', [instance.glue.structures.pointerTo(DriverObject), 0]);
      instance.readDriverObject(DriverObject);
      return status >>> 0;
    },
    AddDevice(DriverObject: DRIVER_OBJECT, Pdo: DEVICE_OBJECT): NtStatus {
      const i = of(DriverObject);
      const s = i.glue.structures;
      const status = call(i, 'AddDevice', [s.pointerTo(DriverObject), s.pointerTo(Pdo)]);
      for (let d = DriverObject.DeviceObject; d; d = d.NextDevice) s.absorb(d);
      return status >>> 0;
    },
    StartDevice(DeviceObject: DEVICE_OBJECT, Resources: DeviceResources): NtStatus {
      const i = device(DeviceObject);
      const list = i.glue.structures.writeResources(Resources);
      try {
        return call(i, 'StartDevice', [i.glue.structures.pointerTo(DeviceObject), list.pointer]) >>> 0;
      } finally {
        i.glue.linear.release(list.pointer, list.size);
      }
    },
  };
  if (exported.has('RemoveDevice')) driver.RemoveDevice = (d: DEVICE_OBJECT) => { const i = device(d); call(i, 'RemoveDevice', [i.glue.structures.pointerTo(d)]); };
  if (exported.has('InterruptService')) {
    driver.InterruptService = (interrupt: object, context: unknown) => {
      const i = device(context as DEVICE_OBJECT);
      return call(i, 'InterruptService', [i.glue.structures.pointerTo(interrupt), contextToC(i.glue, context)]) !== 0;
    };
  }
  if (exported.has('DpcForIsr')) {
    driver.DpcForIsr = (dpc: object, d: DEVICE_OBJECT, irp: object | null, context: unknown) => {
      const i = device(d);
      const s = i.glue.structures;
      call(i, 'DpcForIsr', [s.pointerTo(dpc), s.pointerTo(d), s.pointerTo(irp), contextToC(i.glue, context)]);
    };
  }
  if (exported.has('DriverUnload')) driver.DriverUnload = (o: DRIVER_OBJECT) => { const i = of(o); call(i, 'DriverUnload', [i.glue.structures.pointerTo(o)]); };
  setPlaceFinderOf(driver as unknown as DriverModule, placeFinder);
  return { driver: driver as unknown as DriverModule, problems };
}
