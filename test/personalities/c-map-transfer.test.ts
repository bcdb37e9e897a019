/**
 * MapTransfer from C: its Length is in and out (how much to map, then how
 * much this one call mapped), so the glue passes C's value in and writes
 * the HAL's back. A driver maps part of a pool buffer through the adapter
 * channel's map registers, flushes and frees them; its StartDevice fails
 * unless MapTransfer mapped exactly the bytes it asked for.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DriverStartFailed } from '../../src/kernel/io/driver-start-failed';
import { startAdapterCDriver as start, writeAdapterCDriver } from './adapter-c-driver';

/** A driver whose StartDevice maps `asked` bytes of a two-page pool buffer with MapTransfer and succeeds only when `expected` came back. */
function mapTransferDriver(asked: number, expected: number): string {
  return writeAdapterCDriver({
    name: 'map-transfer',
    conformanceClass: 'read-write-direct',
    description: 'Starts only when MapTransfer maps the bytes asked for.',
    declarations: `static PMDL Mdl;
static PCHAR Buffer;
static ULONG Mapped = 0xffffffffu;
static IO_ALLOCATION_ACTION Map(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID MapRegisterBase, PVOID Context) {
  ULONG length = ${asked};
  PHYSICAL_ADDRESS address = Adapter->DmaOperations->MapTransfer(Adapter, Mdl, MapRegisterBase, Buffer, &length, TRUE);
  Mapped = address.QuadPart != 0 ? length : 0;
  if (length > 0) Adapter->DmaOperations->FlushAdapterBuffers(Adapter, Mdl, MapRegisterBase, Buffer, length, TRUE);
  return DeallocateObject;
}`,
    startBody: `  Buffer = ExAllocatePoolWithTag(NonPagedPool, 2 * PAGE_SIZE, 'tpaM');
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
  return Mapped == ${expected} ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;`,
  });
}

describe('MapTransfer from C', () => {
  it('maps the Length C passes in and writes back the bytes this call mapped', async () => {
    await start(mapTransferDriver(100, 100));
  });

  it('is compared for real: another length fails the start', async () => {
    await assert.rejects(start(mapTransferDriver(100, 4096)), (e: unknown) => e instanceof DriverStartFailed && e.status === 0xc0000001);
  });
});
