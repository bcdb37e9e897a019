/**
 * RtlCopyMemory and RtlMoveMemory from C are the kernel's copies: system
 * memory they touch costs the simulated CPU (non-cached memory more, CONT-7),
 * the bytes land where C and the device see them, and overlapping ranges
 * move as memmove moves them.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { compileCDriver } from '../../src/personalities/c-wasm/compiler';
import { loadDriverModule } from '../../src/personalities/driver-loader';
import { installDriver } from '../../src/personalities/wdm/loader';
import { bootSmallMachine } from '../mm/machine-fixture';

const SOURCE = `#include <wdm.h>
DMA_CONFORMANCE_DRIVER("copy", "read-write-direct", "Copies through pool with RtlCopyMemory and RtlMoveMemory.");
DRIVER_EXPORT(DriverEntry) NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  UCHAR local[4096], back[4096];
  for (ULONG i = 0; i < sizeof local; i++) local[i] = (UCHAR)i;
  PUCHAR pool = ExAllocatePoolWithTag(NonPagedPool, sizeof local, 0x79706f43);
  if (!pool) return STATUS_INSUFFICIENT_RESOURCES;
  RtlCopyMemory(pool, local, sizeof local);
  RtlMoveMemory(pool + 1, pool, 100);
  RtlCopyMemory(back, pool, sizeof back);
  BOOLEAN moved = back[0] == 0 && back[1] == 0 && back[100] == 99 && back[101] == 101 && pool[4095] == 255;
  ExFreePoolWithTag(pool, 0x79706f43);
  return moved ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}
DRIVER_EXPORT(AddDevice) NTSTATUS AddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo) { return STATUS_SUCCESS; }
DRIVER_EXPORT(StartDevice) NTSTATUS StartDevice(PDEVICE_OBJECT DeviceObject, PCM_RESOURCE_LIST Resources) { return STATUS_SUCCESS; }
`;

describe('RtlCopyMemory from C', () => {
  it('copies through system memory as the kernel does, charging the CPU for it', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'c-copy-')), 'copy.c');
    fs.writeFileSync(file, SOURCE);
    await compileCDriver([file], path.dirname(file));
    const machine = bootSmallMachine();
    const before = machine.clock.cpuTime('cpu:cached');
    installDriver(machine, loadDriverModule(file, path.dirname(file)), []); // DriverEntry fails the load unless the bytes moved as memmove moves them
    assert.ok(machine.clock.cpuTime('cpu:cached') - before > 0, 'the copies of pool memory cost CPU time');
  });
});
