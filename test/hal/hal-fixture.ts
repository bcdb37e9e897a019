/**
 * A machine with a HAL for the HAL and verifier tests, and the few steps a
 * driver takes again and again: a user buffer filled with known bytes, an MDL
 * locked over it, an adapter, a scatter/gather list.
 */
import { strict as assert } from 'node:assert';
import { BootConfig } from '../../src/machine/boot-config';
import { BugCheck } from '../../src/machine/bug-check';
import { DISPATCH_LEVEL } from '../../src/machine/irql';
import { Machine } from '../../src/machine/machine';
import { NtStatus } from '../../src/machine/ntstatus';
import { GiB, PAGE_SIZE } from '../../src/contracts/units';
import { Process } from '../../src/kernel/io/process';
import { LOCK_OPERATION, MDL } from '../../src/kernel/mm/mdl';
import { DEVICE_DESCRIPTION } from '../../src/kernel/hal/device-description';
import { DMA_ADAPTER, DmaAdapter, adapterOf } from '../../src/kernel/hal/dma-adapter';
import { Hal } from '../../src/kernel/hal/hal';
import { SCATTER_GATHER_LIST } from '../../src/kernel/hal/scatter-gather-list';
import { ViolationId } from '../../src/kernel/verifier/violation-catalog';

export interface HalMachine {
  readonly machine: Machine;
  readonly hal: Hal;
  readonly app: Process;
}

/** Boot a machine (8 GiB, so RAM lies above 4 GiB) whose verifier records findings unless told otherwise. */
export function bootHal(overrides: Partial<BootConfig> = {}): HalMachine {
  const machine = Machine.boot({ ramBytes: 8 * GiB, verifierMode: 'record', ...overrides });
  const hal = new Hal(machine.kernel, machine.bus, { iommu: machine.iommu });
  const app = machine.kernel.createProcess('app');
  return { machine, hal, app };
}

export function description(overrides: Partial<DEVICE_DESCRIPTION> = {}): DEVICE_DESCRIPTION {
  return {
    Version: 3,
    Master: true,
    ScatterGather: true,
    Dma32BitAddresses: true,
    Dma64BitAddresses: true,
    InterfaceType: 'PCIBus',
    MaximumLength: 1024 * 1024,
    ...overrides,
  };
}

/** An adapter for the machine's DMA test device (or a device off the bus with `requesterId: null`). */
export function adapterFor(t: HalMachine, overrides: Partial<DEVICE_DESCRIPTION> = {}, requesterId: number | null = t.machine.dmaDevice.requesterId): DmaAdapter {
  const granted = { value: 0 };
  const a = t.hal.IoGetDmaAdapter({ name: 'dma0', requesterId }, description(overrides), granted);
  assert.ok(a, `IoGetDmaAdapter failed: ${t.hal.lastAdapterFailure}`);
  assert.equal(granted.value, adapterOf(a).numberOfMapRegisters);
  return adapterOf(a);
}

/** A user buffer of `bytes` starting `offset` bytes into a fresh allocation, filled with a known pattern. */
export function userBuffer(t: HalMachine, bytes: number, offset = 0, seed = 7): { va: number; data: Uint8Array } {
  const base = t.machine.mm.allocateVirtual(t.app.addressSpace, bytes + offset + PAGE_SIZE);
  const data = pattern(bytes, seed);
  t.machine.cpu.inProcess(t.app, () => t.machine.mm.writeVirtual(base + offset, data));
  return { va: base + offset, data };
}

export function pattern(bytes: number, seed: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** IoAllocateMdl + MmProbeAndLockPages in the application's context. */
export function lockedMdl(t: HalMachine, va: number, bytes: number, operation: LOCK_OPERATION = 'IoModifyAccess'): MDL {
  return t.machine.cpu.inProcess(t.app, () => {
    const mdl = t.machine.kernel.mdl.IoAllocateMdl(va, bytes, false, false, null);
    assert.ok(mdl);
    t.machine.kernel.mdl.MmProbeAndLockPages(mdl, 'UserMode', operation);
    return mdl;
  });
}

export function readUser(t: HalMachine, va: number, bytes: number): Uint8Array {
  return t.machine.cpu.inProcess(t.app, () => t.machine.mm.readVirtual(va, bytes));
}

/** GetScatterGatherList at DISPATCH_LEVEL; the list the execution routine received. */
export function getList(adapter: DMA_ADAPTER, mdl: MDL, va: number, bytes: number, writeToDevice: boolean, device: object = {}): { status: NtStatus; list: SCATTER_GATHER_LIST | null; irql: number } {
  let list: SCATTER_GATHER_LIST | null = null;
  let irql = -1;
  const cpu = adapterOf(adapter).kernel.cpu;
  const status = cpu.atIrql(DISPATCH_LEVEL, () => adapter.DmaOperations.GetScatterGatherList(adapter, device, mdl, va, bytes, (_d, _i, sg) => {
    list = sg;
    irql = cpu.irql;
  }, null, writeToDevice));
  return { status, list, irql };
}

export function sumOfLengths(list: SCATTER_GATHER_LIST): number {
  return list.Elements.reduce((n, e) => n + e.Length, 0);
}

/** Physical runs of an MDL range: how many breaks in contiguity the pages have, plus one. */
export function physicalRuns(mdl: MDL, byteOffset: number, bytes: number): number {
  const first = Math.floor((mdl.ByteOffset + byteOffset) / PAGE_SIZE);
  const last = Math.floor((mdl.ByteOffset + byteOffset + bytes - 1) / PAGE_SIZE);
  let runs = 1;
  for (let i = first + 1; i <= last; i++) if (mdl.PfnArray[i] !== mdl.PfnArray[i - 1]! + 1) runs++;
  return runs;
}

export function findingIds(t: HalMachine): string[] {
  return t.hal.verifier.findings.map((f) => f.id);
}

export function assertFinding(t: HalMachine, id: ViolationId, parameter1: number, details?: RegExp): void {
  const f = t.hal.verifier.findings.find((x) => x.id === id);
  assert.ok(f, `expected a ${id} finding; found ${JSON.stringify(findingIds(t))}`);
  assert.equal(f.bugCheckCode, 0xe6);
  assert.equal(f.parameters[0], parameter1);
  if (details) assert.match(f.details, details);
}

export function expectBugCheck(code: number, p1: number, fn: () => unknown): BugCheck {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof BugCheck, `expected a bug check, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.parameters[0], p1, e.message);
    return e;
  }
  assert.fail(`expected bug check 0x${code.toString(16)} with P1 0x${p1.toString(16)}`);
}
