/**
 * The driver's imports ("kernel" and "dma" modules), generated from the one
 * table of routine signatures: each wasm argument is translated by its kind,
 * the simulated kernel routine runs, and its result is translated back. Two
 * routines whose simulated shape returns a record (IoCreateDevice,
 * IoGetDeviceProperty) are adapted here, once.
 */
import { KDPC } from '../../kernel/io/dpc';
import { KEVENT } from '../../kernel/io/event';
import { KSPIN_LOCK } from '../../kernel/io/spin-lock';
import { KTIMER } from '../../kernel/io/timer';
import { IO_CSQ, IO_CSQ_IRP_CONTEXT } from '../../kernel/io/cancel-safe-queue';
import type { DEVICE_DESCRIPTION } from '../../kernel/hal/device-description';
import type { DMA_ADAPTER } from '../../kernel/hal/dma-adapter';
import { MDL_MAPPED_TO_SYSTEM_VA, MDL_SOURCE_IS_NONPAGED_POOL } from '../../kernel/mm/mdl';
import type { MDL } from '../../kernel/mm/mdl';
import { RaisedStatus, STATUS } from '../../machine/ntstatus';
import { KAPC_STATE } from '../../kernel/io/process';
import type { KernelApi } from '../wdm/kernel-api';
import type { DEVICE_OBJECT } from '../../kernel/io/device-object';
import type { DRIVER_OBJECT } from '../../kernel/io/driver-object';
import type { AddressTokens } from './address-tokens';
import type { FrameAliases } from './frame-aliases';
import type { KernelStructures } from './kernel-structures';
import type { LinearMemory } from './linear-memory';
import { CALLBACKS, ENUMS, Param, ROUTINE_SIGNATURES, RoutineSignature } from './routine-signatures';

/** What the glue needs of the running driver. */
export interface GlueContext {
  readonly kernel: KernelApi;
  readonly linear: LinearMemory;
  readonly structures: KernelStructures;
  readonly aliases: FrameAliases;
  readonly tokens: AddressTokens;
  /** Call the C function at table index `index` (restoring C's stack if a bug check unwinds through it). */
  callC(index: number, args: number[]): number;
  /** Register ranges mapped by MmMapIoSpace: simulated address to physical. */
  readonly ioSpace: Map<number, { physical: number; length: number }>;
}

const STORAGE_TYPES: Record<string, () => object> = {
  KSPIN_LOCK: () => new KSPIN_LOCK(),
  KDPC: () => new KDPC(),
  KTIMER: () => new KTIMER(),
  KEVENT: () => new KEVENT(),
  IO_CSQ: () => new IO_CSQ(),
  KAPC_STATE: () => new KAPC_STATE(),
  IO_CSQ_IRP_CONTEXT: () => new IO_CSQ_IRP_CONTEXT(),
};

/**
 * WDM_TRY_STATUS (wdm.h), the stand-in for __try/__except around a routine that raises: while
 * `depth` > 0 a raised status is kept here and the routine returns as if it had done nothing.
 */
interface CaughtRaise {
  depth: number;
  status: number;
}

type WasmValue = number | bigint;

/** An argument the glue consumed itself (an out-parameter filled from the result record). */
const SKIPPED = Symbol('skipped');

/**
 * A C driver passed what the routine cannot take (its own memory where a kernel address belongs, a pointer
 * to no kernel structure): an access violation in the routine, unhandled, as on Windows (0x1E), and a
 * verdict on the driver, not a defect of the simulator.
 */
export class DriverMisuse extends RaisedStatus {
  constructor(detail: string) {
    super(STATUS.ACCESS_VIOLATION, detail);
    this.programError = true;
  }
}

export function buildImports(g: GlueContext): { kernel: Record<string, (...a: WasmValue[]) => WasmValue | void>; dma: Record<string, (...a: WasmValue[]) => WasmValue | void> } {
  const caught: CaughtRaise = { depth: 0, status: 0 };
  const kernel: Record<string, (...a: WasmValue[]) => WasmValue | void> = {
    __wdm_try_begin: () => {
      caught.depth++;
      caught.status = 0;
    },
    __wdm_try_end: () => {
      caught.depth = Math.max(0, caught.depth - 1);
      const status = caught.status;
      caught.status = 0;
      return status | 0;
    },
  };
  const dma: Record<string, (...a: WasmValue[]) => WasmValue | void> = {};
  for (const signature of ROUTINE_SIGNATURES) (signature.module === 'kernel' ? kernel : dma)[signature.name] = importFor(g, signature, caught);
  return { kernel, dma };
}

/** What C passes as a PVOID context, as the kernel sees it: the object behind a structure's copy, else the number. */
function contextFromC(g: GlueContext, value: number): unknown {
  if (value === 0) return null;
  return g.structures.objectAt(value) ?? value;
}

/** A context on its way into C. */
export function contextToC(g: GlueContext, value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value >>> 0;
  if (typeof value === 'object') return g.structures.storageOf(value) ?? g.structures.pointerTo(value);
  return 0;
}

/**
 * An MDL's system mapping is about to end (MmUnlockPages, IoFreeMdl): C's alias of it goes, each frame
 * getting its own copy back, so a later mapping of the same system addresses is a fresh alias, not C's
 * stale block (a pool MDL's "mapping" is the pool itself, C's until freed).
 */
function unaliasSystemMapping(g: GlueContext, mdl: MDL): void {
  if ((mdl.MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) && !(mdl.MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL) && mdl.MappedSystemVa) g.aliases.unalias(mdl.MappedSystemVa);
}

/** The simulated address behind a pointer C passes as memory: aliased system memory or a token; C's own memory has none. */
function addressFromC(g: GlueContext, pointer: number, routine: string): number {
  if (pointer === 0) return 0;
  const system = g.aliases.systemOf(pointer);
  if (system !== null) return system;
  const token = g.tokens.decode(pointer);
  if (token) return token.address;
  throw new DriverMisuse(`${routine}: 0x${pointer.toString(16)} is the C driver's own memory, not a kernel address`);
}

function registerFromC(g: GlueContext, pointer: number, routine: string): number {
  const token = g.tokens.decode(pointer);
  if (!token || token.kind !== 'register') throw new DriverMisuse(`${routine}: 0x${pointer.toString(16)} is no register address from MmMapIoSpace`);
  for (const [va, range] of g.ioSpace) {
    if (token.address >= va && token.address < va + range.length) return range.physical + (token.address - va);
  }
  return token.address;
}

/** One wrapper per C function and shape, so the kernel sees the same routine each time (IoSetCancelRoutine compares them). */
const wrappers = new WeakMap<GlueContext, Map<string, (...args: unknown[]) => unknown>>();
const indexOfWrapper = new WeakMap<(...args: unknown[]) => unknown, number>();

function callbackFromC(g: GlueContext, index: number, shape: string): ((...args: unknown[]) => unknown) | null {
  if (index === 0) return null;
  const callback = CALLBACKS[shape];
  if (!callback) throw new Error(`internal: unknown callback shape ${shape}`);
  let known = wrappers.get(g);
  if (!known) wrappers.set(g, (known = new Map()));
  const existing = known.get(`${shape}:${index}`);
  if (existing) return existing;
  const wrapper = (...args: unknown[]) => {
    const values = callback.params.map((kind, i) => (kind === 'object' ? g.structures.pointerTo(args[i] as object | null) : contextToC(g, args[i])));
    const result = g.callC(index, values);
    callback.params.forEach((kind, i) => { if (kind === 'object' && args[i]) g.structures.absorb(args[i] as object); });
    switch (callback.returns) {
      case 'void': return undefined;
      case 'bool': return result !== 0;
      case 'status': return result >>> 0;
      case 'enum': return ENUMS[callback.of!]![result] ?? result;
    }
  };
  known.set(`${shape}:${index}`, wrapper);
  indexOfWrapper.set(wrapper, index);
  return wrapper;
}

function readDeviceDescription(g: GlueContext, at: number): DEVICE_DESCRIPTION {
  const v = g.linear.view;
  return {
    Version: v.getUint32(at, true),
    Master: v.getUint8(at + 4) !== 0,
    ScatterGather: v.getUint8(at + 5) !== 0,
    Dma32BitAddresses: v.getUint8(at + 8) !== 0,
    Dma64BitAddresses: v.getUint8(at + 11) !== 0,
    InterfaceType: (ENUMS.INTERFACE_TYPE![v.getUint32(at + 20, true)] ?? 'Internal') as DEVICE_DESCRIPTION['InterfaceType'],
    MaximumLength: v.getUint32(at + 32, true),
  };
}

function readUnicodeString(g: GlueContext, at: number): string | null {
  if (at === 0) return null;
  const v = g.linear.view;
  return g.linear.readCString16(v.getUint32(at + 4, true), v.getUint16(at, true));
}

function importFor(g: GlueContext, s: RoutineSignature, caught: CaughtRaise): (...a: WasmValue[]) => WasmValue | void {
  const special = SPECIAL[s.name];
  if (special) return (...a) => special(g, a.map(Number));
  const sret = s.returns === 'large';
  return (...raw: WasmValue[]) => {
    const values = raw.map((r) => (typeof r === 'bigint' ? r : Number(r)));
    const resultAt = sret ? (values.shift() as number) : 0;
    const byName = new Map<string, number>(s.params.map((param, i) => [param.name, Number(values[i] ?? 0)]));
    const outs: { param: Param; at: number; box: { value?: number; QuadPart?: number } }[] = [];
    const arrays: { at: number; values: Uint32Array }[] = [];
    const refresh: object[] = [];
    const mapped = s.params.map((param, i) => {
      const value = values[i]!;
      const n = Number(value) >>> 0;
      switch (param.kind) {
        case 'u32': case 'u8': return n;
        case 'u64': return Number(BigInt.asUintN(64, BigInt(value)));
        case 'i32': return n | 0;
        case 'bool': return n !== 0;
        case 'large': return Number(g.linear.view.getBigInt64(n, true));
        case 'large-record': return { QuadPart: Number(g.linear.view.getBigInt64(n, true)) };
        case 'object': {
          // The routine would dereference it: NULL where the WDK does not say OPTIONAL is the driver's crash, not the kernel's.
          if (n === 0 && !param.optional) throw new DriverMisuse(`${s.name}: ${param.name} is NULL`);
          const o = n === 0 ? null : g.structures.objectAt(n);
          if (n !== 0 && !o) throw new DriverMisuse(`${s.name}: ${param.name} 0x${n.toString(16)} is no kernel structure the kernel gave the driver`);
          if (o && g.structures.hasCopy(o)) {
            g.structures.absorb(o);
            if (param.releases) g.structures.forget(o);
            if (param.unmaps) unaliasSystemMapping(g, o as MDL);
            if (param.refreshes) refresh.push(o);
          }
          return o;
        }
        case 'context': return contextFromC(g, n);
        case 'address': {
          const address = addressFromC(g, n, s.name);
          if (param.releases) g.aliases.unalias(address);
          return address;
        }
        case 'register': return registerFromC(g, n, s.name);
        case 'bytes': return g.linear.slice(n, byName.get(param.of!)!);
        case 'unicode': return readUnicodeString(g, n);
        case 'device-description': return readDeviceDescription(g, n);
        case 'storage': return n === 0 ? null : g.structures.stored(n, STORAGE_TYPES[param.of!]!);
        case 'dispatcher': {
          const o = g.structures.objectAt(n);
          if (!(o instanceof KEVENT || o instanceof KTIMER)) throw new DriverMisuse(`${s.name}: ${param.name} 0x${n.toString(16)} is no KEVENT or KTIMER the driver initialized`);
          return o;
        }
        case 'large-pointer': return n === 0 ? null : Number(g.linear.view.getBigInt64(n, true));
        case 'ulongs': {
          const count = byName.get(param.of!)! >>> 0;
          const array = new Uint32Array(count);
          for (let e = 0; e < count; e++) array[e] = g.linear.view.getUint32(n + 4 * e, true);
          arrays.push({ at: n, values: array });
          return array;
        }
        case 'out-object': { outs.push({ param, at: n, box: {} }); return SKIPPED; }
        case 'callback': return callbackFromC(g, n, param.of!);
        case 'enum': {
          const names = ENUMS[param.of!]!;
          const name = names[n] ?? names[n & 0xffff];
          if (name === undefined) throw new DriverMisuse(`${s.name}: ${param.name} ${n} is no ${param.of} value`);
          return name;
        }
        case 'out-u32': case 'out-u8': { const box = { value: 0 }; outs.push({ param, at: n, box }); return box; }
        case 'out-large': { const box = { QuadPart: 0 }; outs.push({ param, at: n, box }); return box; }
      }
    });
    // An out-parameter the simulated routine returns in its result record is not one of its arguments.
    const args = mapped.filter((a) => a !== SKIPPED);
    const target = s.module === 'dma' ? ((args[0] as DMA_ADAPTER).DmaOperations as unknown as Record<string, (...x: unknown[]) => unknown>) : (g.kernel as unknown as Record<string, (...x: unknown[]) => unknown>);
    const routine = target[s.name];
    if (typeof routine !== 'function') throw new Error(`${s.name}: the simulated kernel does not offer it`);
    let result: unknown;
    try {
      result = routine.apply(target, args);
    } catch (e) {
      if (!(e instanceof RaisedStatus) || caught.depth === 0) throw e;
      caught.status = e.status;
      return s.returns === 'u64' ? 0n : s.returns === 'void' || s.returns === 'large' ? undefined : 0;
    }
    const v = g.linear.view;
    for (const out of outs) {
      if (out.at === 0) continue;
      if (out.param.kind === 'out-u32') v.setUint32(out.at, (out.box.value ?? 0) >>> 0, true);
      else if (out.param.kind === 'out-u8') v.setUint8(out.at, out.box.value ?? 0);
      else if (out.param.kind === 'out-object') v.setUint32(out.at, g.structures.pointerTo((result as Record<string, object | null>)[out.param.of!] ?? null), true);
      else v.setBigInt64(out.at, BigInt(out.box.QuadPart ?? 0), true);
    }
    for (const array of arrays) array.values.forEach((value, e) => v.setUint32(array.at + 4 * e, value, true));
    for (const o of refresh) g.structures.pointerTo(o);
    switch (s.returns) {
      case 'void': return undefined;
      case 'u32': case 'u8': return Number(result ?? 0) >>> 0;
      case 'i32': return Number(result ?? 0) | 0;
      case 'bool': return result ? 1 : 0;
      case 'u64': return BigInt(Number(result ?? 0));
      case 'object': return g.structures.pointerTo(result as object | null);
      case 'callback': return result ? indexOfWrapper.get(result as (...args: unknown[]) => unknown) ?? 0 : 0;
      case 'system-address': {
        if (result === null || result === undefined) return 0;
        const at = s.params.findIndex((param) => param.name === s.length);
        const length = s.params[at]!.kind === 'object' ? (args[at] as MDL).ByteCount : byName.get(s.length!)!;
        return g.structures.pointerForAddress(result as number, length);
      }
      case 'register-range': {
        if (result === null || result === undefined) return 0;
        const length = byName.get(s.length!)!;
        g.ioSpace.set(result as number, { physical: args[0] as number, length });
        return g.tokens.tokenOf(result as number, length, 'register');
      }
      case 'large': {
        v.setBigInt64(resultAt, BigInt((result as { QuadPart: number }).QuadPart), true);
        return undefined;
      }
      case 'status-record': return Number((result as { status: number }).status) | 0;
    }
  };
}

/** Memory C names for a copy: the simulated address of system memory or a user token (charged as the CPU's), else C's own bytes. */
function copyOperand(g: GlueContext, pointer: number, length: number): number | Uint8Array {
  const system = g.aliases.systemOf(pointer);
  if (system !== null) return system;
  const token = g.tokens.decode(pointer);
  if (token?.kind === 'user') return token.address;
  if (token) throw new DriverMisuse(`a copy through 0x${pointer.toString(16)}, a register address: registers are read with READ_REGISTER_*`);
  return g.linear.slice(pointer, length);
}

/** RtlCopyMemory / RtlMoveMemory: the kernel's copy, which charges the CPU for the system memory it touches (CONT-7). */
function copyMemory(g: GlueContext, [destination, source, length]: number[]): void {
  const n = length! >>> 0;
  if (n > 0) g.kernel.RtlCopyMemory(copyOperand(g, destination!, n), copyOperand(g, source!, n), n);
}

/** Routines whose simulated shape returns a record where wdm.h has out-parameters, and the charged copies. */
const SPECIAL: Record<string, (g: GlueContext, a: number[]) => number | bigint | void> = {
  RtlCopyMemory: copyMemory,
  RtlMoveMemory: copyMemory,
  /**
   * The simulated routine returns { status, scatterGatherListSize, numberOfMapRegisters }. With no MDL only
   * CurrentVa's offset in its page counts (any number will do, as on Windows); with one it is an address in it.
   */
  CalculateScatterGatherList(g, [adapter, mdl, currentVa, length, listSize, mapRegisters]) {
    const dmaAdapter = g.structures.objectAt(adapter!) as DMA_ADAPTER | undefined;
    if (!dmaAdapter) throw new DriverMisuse(`CalculateScatterGatherList: DmaAdapter 0x${adapter!.toString(16)} is no adapter the kernel gave the driver`);
    const mdlObject = mdl ? (g.structures.objectAt(mdl) as MDL | undefined) : null;
    if (mdlObject === undefined) throw new DriverMisuse(`CalculateScatterGatherList: Mdl 0x${mdl!.toString(16)} is no kernel structure the kernel gave the driver`);
    const va = mdlObject ? addressFromC(g, currentVa!, 'CalculateScatterGatherList') : currentVa! >>> 0;
    const result = dmaAdapter.DmaOperations.CalculateScatterGatherList(dmaAdapter, mdlObject, va, length! >>> 0);
    if (listSize) g.linear.view.setUint32(listSize, result.scatterGatherListSize >>> 0, true);
    if (mapRegisters) g.linear.view.setUint32(mapRegisters, result.numberOfMapRegisters >>> 0, true);
    return result.status | 0;
  },
  /** C's own memory (its globals, stack and heap) is resident kernel memory to C; any other pointer is the kernel's question. */
  MmIsAddressValid(g, [pointer]) {
    const p = pointer! >>> 0;
    if (p === 0) return 0;
    const system = g.aliases.systemOf(p);
    const token = system === null ? g.tokens.decode(p) : null;
    if (system === null && !token) return p < g.linear.view.byteLength ? 1 : 0;
    return g.kernel.MmIsAddressValid(system ?? token!.address) ? 1 : 0;
  },
  IoAcquireCancelSpinLock(g, [irql]) {
    g.linear.view.setUint8(irql!, g.kernel.IoAcquireCancelSpinLock());
  },
  // An address from request data: a token C may pass back but not dereference, whatever the address (a kernel one is probed, never C's).
  Ptr64ToPtr(g, [pointer]) {
    return pointer ? g.tokens.tokenOf(pointer, 1, 'user') : 0;
  },
  PtrToPtr64(g, [pointer]) {
    return BigInt(addressFromC(g, pointer! >>> 0, 'PtrToPtr64'));
  },
  IoCreateDevice(g, [driverObject, extensionSize, deviceName, deviceType, characteristics, exclusive, out]) {
    const driver = g.structures.objectAt(driverObject!) as DRIVER_OBJECT;
    const { status, DeviceObject } = g.kernel.IoCreateDevice(driver, extensionSize!, readUnicodeString(g, deviceName!), deviceType!, characteristics!, exclusive !== 0);
    if (DeviceObject) {
      // The extension is the driver's own memory, zeroed; the simulator only keeps its address.
      (DeviceObject as DEVICE_OBJECT).DeviceExtension = extensionSize! > 0 ? g.linear.allocate(extensionSize!) : 0;
      g.linear.view.setUint32(out!, g.structures.pointerTo(DeviceObject), true);
    }
    return status | 0;
  },
  IoGetDeviceProperty(g, [deviceObject, property, bufferLength, buffer, resultLength]) {
    const device = g.structures.objectAt(deviceObject!) as DEVICE_OBJECT;
    const name = ENUMS.DEVICE_REGISTRY_PROPERTY![property!];
    if (!name) return STATUS.INVALID_PARAMETER | 0;
    const { status, value } = g.kernel.IoGetDeviceProperty(device, name as 'DevicePropertyAddress');
    if (resultLength) g.linear.view.setUint32(resultLength, 4, true);
    if (bufferLength! < 4) return STATUS.BUFFER_TOO_SMALL | 0;
    g.linear.view.setUint32(buffer!, value >>> 0, true);
    return status | 0;
  },
};

