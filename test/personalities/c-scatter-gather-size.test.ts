/**
 * CalculateScatterGatherList from C: the sizes come back through the
 * out-parameters (the simulated routine returns them as a record), and with
 * no MDL only CurrentVa's offset in its page counts, so (PVOID)1 asks for the
 * worst start, one page more than an aligned one.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { compileCDriver } from '../../src/personalities/c-wasm/compiler';
import { loadDriverModule } from '../../src/personalities/driver-loader';
import { installDriver } from '../../src/personalities/wdm/loader';
import { DriverStartFailed } from '../../src/kernel/io/driver-start-failed';
import { scatterGatherListBytes } from '../../src/kernel/hal/scatter-gather-list';
import { bootSmallMachine } from '../mm/machine-fixture';

/** A driver whose StartDevice fails unless CalculateScatterGatherList gives these sizes for two pages' worth, aligned and one byte in. */
function sizeCheckingDriver(aligned: { bytes: number; registers: number }, unaligned: { bytes: number; registers: number }): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'c-sg-size-'));
  const file = path.join(folder, 'sg-size.c');
  fs.writeFileSync(file, `#include <wdm.h>
DMA_CONFORMANCE_DRIVER("sg-size", "storage-forward-progress", "Starts only when CalculateScatterGatherList gives the expected sizes.");
static PDEVICE_OBJECT Lower;
static BOOLEAN Sized(PDMA_ADAPTER Adapter, PVOID CurrentVa, ULONG Bytes, ULONG Registers) {
  ULONG bytes = 0, registers = 0;
  NTSTATUS status = Adapter->DmaOperations->CalculateScatterGatherList(Adapter, NULL, CurrentVa, 2 * PAGE_SIZE, &bytes, &registers);
  return NT_SUCCESS(status) && bytes == Bytes && registers == Registers;
}
DRIVER_EXPORT(DriverEntry) NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) { return STATUS_SUCCESS; }
DRIVER_EXPORT(AddDevice) NTSTATUS AddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo) {
  PDEVICE_OBJECT fdo;
  NTSTATUS status = IoCreateDevice(DriverObject, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &fdo);
  if (!NT_SUCCESS(status)) return status;
  Lower = Pdo;
  IoAttachDeviceToDeviceStack(fdo, Pdo);
  fdo->Flags &= ~DO_DEVICE_INITIALIZING;
  return STATUS_SUCCESS;
}
DRIVER_EXPORT(StartDevice) NTSTATUS StartDevice(PDEVICE_OBJECT DeviceObject, PCM_RESOURCE_LIST Resources) {
  DEVICE_DESCRIPTION description;
  ULONG mapRegisters = 0;
  RtlZeroMemory(&description, sizeof description);
  description.Version = DEVICE_DESCRIPTION_VERSION3;
  description.Master = TRUE;
  description.ScatterGather = TRUE;
  description.InterfaceType = PCIBus;
  description.MaximumLength = 16 * PAGE_SIZE;
  description.Dma32BitAddresses = TRUE;
  PDMA_ADAPTER adapter = IoGetDmaAdapter(Lower, &description, &mapRegisters);
  if (!adapter) return STATUS_INSUFFICIENT_RESOURCES;
  BOOLEAN sized = Sized(adapter, (PVOID)0, ${aligned.bytes}, ${aligned.registers}) && Sized(adapter, (PVOID)1, ${unaligned.bytes}, ${unaligned.registers});
  adapter->DmaOperations->PutDmaAdapter(adapter);
  return sized ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}
`);
  return file;
}

async function start(file: string): Promise<void> {
  await compileCDriver([file], path.dirname(file));
  const machine = bootSmallMachine();
  installDriver(machine, loadDriverModule(file, path.dirname(file)), [machine.bus.functionOf(machine.dmaDevice)]);
}

describe('CalculateScatterGatherList from C', () => {
  it('writes the list size and map registers through its out-parameters, counting the pages from CurrentVa\'s offset', async () => {
    await start(sizeCheckingDriver({ bytes: scatterGatherListBytes(2), registers: 2 }, { bytes: scatterGatherListBytes(3), registers: 3 }));
  });

  it('is compared for real: other sizes fail the start', async () => {
    await assert.rejects(start(sizeCheckingDriver({ bytes: scatterGatherListBytes(2), registers: 2 }, { bytes: scatterGatherListBytes(2), registers: 2 })),
      (e: unknown) => e instanceof DriverStartFailed && e.status === 0xc0000001);
  });
});
