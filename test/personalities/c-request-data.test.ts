/**
 * The C personality and IOCTLs: an address carried as request data becomes a
 * pointer C can pass back (Ptr64ToPtr) and back again (PtrToPtr64); the
 * cancel spin lock can be taken from C; and the shared-buffer C reference
 * runs its class's workload (METHOD_OUT_DIRECT requests, whose system buffer
 * holds only the input; system buffers the I/O manager frees and reuses; a
 * queue unlocked while mapped) with nothing found.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { compileCDriver } from '../../src/personalities/c-wasm/compiler';
import { loadDriverModule } from '../../src/personalities/driver-loader';
import { protocolFor } from '../../src/conformance/classes';
import { NO_FAILURE } from '../../src/sweep/failure-plan';
import { runSweepPlan } from '../../src/sweep/sweep-run';
import { installDriver } from '../../src/personalities/wdm/loader';
import { IoManager } from '../../src/kernel/io/io-manager';
import { DriverStartFailed } from '../../src/kernel/io/driver-start-failed';
import { bootSmallMachine } from '../mm/machine-fixture';

const ROOT = path.resolve(__dirname, '..', '..');

/** A driver whose DriverEntry returns `body`'s status; installing it throws DriverStartFailed unless that is success. */
async function driverEntryReturning(body: string[]): Promise<void> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'c-request-data-'));
  const file = path.join(folder, 'entry.c');
  fs.writeFileSync(file, [
    '#include <wdm.h>',
    'DMA_CONFORMANCE_DRIVER("entry", "shared-buffer-ioctl", "Checks routines from DriverEntry.");',
    'DRIVER_EXPORT(DriverEntry) NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {',
    ...body,
    '}',
    'DRIVER_EXPORT(AddDevice) NTSTATUS AddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo) { return STATUS_SUCCESS; }',
    'DRIVER_EXPORT(StartDevice) NTSTATUS StartDevice(PDEVICE_OBJECT DeviceObject, PCM_RESOURCE_LIST Resources) { return STATUS_SUCCESS; }',
    '',
  ].join('\n'));
  await compileCDriver([file], folder);
  const machine = bootSmallMachine();
  installDriver({ kernel: machine.kernel, io: new IoManager(machine.kernel), bus: machine.bus }, loadDriverModule(file, folder), []);
}

describe('C drivers and IOCTL requests', () => {
  it('Ptr64ToPtr makes a user or kernel address from request data a token, and PtrToPtr64 gives the address back', async () => {
    await driverEntryReturning([
      '  ULONGLONG user = 0x12345678000ull, kernel = 0x90000001000ull;',
      '  PVOID u = Ptr64ToPtr(user), k = Ptr64ToPtr(kernel);',
      '  if (Ptr64ToPtr(0) != NULL || (ULONG_PTR)u < 0x80000000u || (ULONG_PTR)k < 0x80000000u) return STATUS_UNSUCCESSFUL;',
      '  return PtrToPtr64(u) == user && PtrToPtr64((PUCHAR)k + 8) == kernel + 8 ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;',
    ]);
  });

  it('PtrToPtr64 of the driver\'s own memory is an access violation', async () => {
    await assert.rejects(driverEntryReturning(['  ULONG local = 0;', '  return PtrToPtr64(&local) ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;']),
      (e: unknown) => e instanceof DriverStartFailed || /access violation|0x1E|own memory/i.test(String(e)));
  });

  it('IoAcquireCancelSpinLock is importable and gives the IRQL to restore', async () => {
    await driverEntryReturning([
      '  KIRQL irql = 0xff;',
      '  IoAcquireCancelSpinLock(&irql);',
      '  KIRQL held = KeGetCurrentIrql();',
      '  IoReleaseCancelSpinLock(irql);',
      '  return irql == PASSIVE_LEVEL && held == DISPATCH_LEVEL ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;',
    ]);
  });

  it('the shared-buffer C reference runs its class\'s workload with nothing found', async () => {
    const source = 'src/conformance/shared-buffer-ioctl/reference.c';
    await compileCDriver([source], ROOT);
    const run = runSweepPlan(loadDriverModule(source, ROOT), protocolFor('shared-buffer-ioctl')!, NO_FAILURE);
    assert.deepEqual(run.findings, []);
  });
});
