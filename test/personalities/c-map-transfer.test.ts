/**
 * MapTransfer from C: its Length is in and out (how much to map, then how
 * much this one call mapped), so the glue passes C's value in and writes
 * the HAL's back. A driver maps part of a pool buffer through the adapter
 * channel's map registers, flushes and frees them; its StartDevice fails
 * unless MapTransfer mapped exactly the bytes it asked for.
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
import { bootSmallMachine } from '../mm/machine-fixture';

/** A driver whose StartDevice maps `asked` bytes of a two-page pool buffer with MapTransfer and succeeds only when `expected` came back. */
function mapTransferDriver(asked: number, expected: number): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'c-map-transfer-'));
  const file = path.join(folder, 'map-transfer.c');
  fs.writeFileSync(file, `#include <wdm.h>
DMA_CONFORMANCE_DRIVER("map-transfer", "read-write-direct", "Starts only when MapTransfer maps the bytes asked for.");
static PDEVICE_OBJECT Lower, Self;
static PDMA_ADAPTER Adapter;
static PMDL Mdl;
static PCHAR Buffer;
static ULONG Mapped = 0xffffffffu;
static IO_ALLOCATION_ACTION Map(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID MapRegisterBase, PVOID Context) {
  ULONG length = ${asked};
  PHYSICAL_ADDRESS address = Adapter->DmaOperations->MapTransfer(Adapter, Mdl, MapRegisterBase, Buffer, &length, TRUE);
  Mapped = address.QuadPart != 0 ? length : 0;
  if (length > 0) Adapter->DmaOperations->FlushAdapterBuffers(Adapter, Mdl, MapRegisterBase, Buffer, length, TRUE);
  return DeallocateObject;
}
DRIVER_EXPORT(DriverEntry) NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) { return STATUS_SUCCESS; }
DRIVER_EXPORT(AddDevice) NTSTATUS AddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo) {
  NTSTATUS status = IoCreateDevice(DriverObject, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &Self);
  if (!NT_SUCCESS(status)) return status;
  Lower = Pdo;
  IoAttachDeviceToDeviceStack(Self, Pdo);
  Self->Flags &= ~DO_DEVICE_INITIALIZING;
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
  Adapter = IoGetDmaAdapter(Lower, &description, &mapRegisters);
  if (!Adapter) return STATUS_INSUFFICIENT_RESOURCES;
  Buffer = ExAllocatePoolWithTag(NonPagedPool, 2 * PAGE_SIZE, 'tpaM');
  Mdl = Buffer ? IoAllocateMdl(Buffer, 2 * PAGE_SIZE, FALSE, FALSE, NULL) : NULL;
  NTSTATUS status = STATUS_INSUFFICIENT_RESOURCES;
  if (Mdl) {
    MmBuildMdlForNonPagedPool(Mdl);
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    status = Adapter->DmaOperations->AllocateAdapterChannel(Adapter, Self, 2, Map, NULL);
    KeLowerIrql(old);
    IoFreeMdl(Mdl);
  }
  if (Buffer) ExFreePoolWithTag(Buffer, 'tpaM');
  Adapter->DmaOperations->PutDmaAdapter(Adapter);
  if (!NT_SUCCESS(status)) return status;
  return Mapped == ${expected} ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}
`);
  return file;
}

async function start(file: string): Promise<void> {
  await compileCDriver([file], path.dirname(file));
  const machine = bootSmallMachine();
  installDriver(machine, loadDriverModule(file, path.dirname(file)), [machine.bus.functionOf(machine.dmaDevice)]);
}

describe('MapTransfer from C', () => {
  it('maps the Length C passes in and writes back the bytes this call mapped', async () => {
    await start(mapTransferDriver(100, 100));
  });

  it('is compared for real: another length fails the start', async () => {
    await assert.rejects(start(mapTransferDriver(100, 4096)), (e: unknown) => e instanceof DriverStartFailed && e.status === 0xc0000001);
  });
});
