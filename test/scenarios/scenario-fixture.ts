/**
 * Machines and buffers for the tests of src/scenarios: an 8 GiB
 * machine (RAM above 4 GiB, the DMA test device and the GPU on the bus), a
 * process with a buffer locked through an MDL, and an adapter for the DMA
 * test device.
 */
import { strict as assert } from 'node:assert';
import { BootConfig } from '../../src/machine/boot-config';
import { Machine } from '../../src/machine/machine';
import { GiB } from '../../src/contracts/units';
import { Process } from '../../src/kernel/io/process';
import { DmaAdapter } from '../../src/kernel/hal/dma-adapter';
import { MDL } from '../../src/kernel/mm/mdl';
import { getAdapterForTestDevice } from '../../src/scenarios/dma-adapter-request';

export const DRIVER = 'test.sys';

export function boot(overrides: Partial<BootConfig> = {}): Machine {
  return Machine.boot({ ramBytes: 8 * GiB, ...overrides });
}

export function adapter(machine: Machine, maximumLength = 1024 * 1024): DmaAdapter {
  const got = getAdapterForTestDevice(machine, DRIVER, { addressBits: machine.dmaDevice.addressBits, maximumLength });
  assert.ok(got.adapter, `IoGetDmaAdapter failed: ${got.failure}`);
  return got.adapter;
}

export interface LockedBuffer {
  readonly process: Process;
  readonly va: number;
  readonly bytes: number;
  readonly mdl: MDL;
}

/** A committed buffer of a new process, `offset` bytes into its allocation, locked for `access`. */
export function lockedBuffer(machine: Machine, bytes: number, offset = 0, access: 'IoReadAccess' | 'IoWriteAccess' = 'IoWriteAccess'): LockedBuffer {
  const process = machine.kernel.createProcess('app');
  const base = machine.mm.allocateVirtual(process.addressSpace, bytes + offset);
  const va = base + offset;
  const mdl = machine.cpu.inProcess(process, () => {
    const m = machine.kernel.mdl.IoAllocateMdl(va, bytes, false, false, null);
    assert.ok(m);
    machine.kernel.mdl.MmProbeAndLockPages(m, 'UserMode', access);
    return m;
  });
  return { process, va, bytes, mdl };
}

export function readBack(machine: Machine, b: LockedBuffer): Uint8Array {
  return machine.cpu.inProcess(b.process, () => machine.mm.readVirtual(b.va, b.bytes));
}
