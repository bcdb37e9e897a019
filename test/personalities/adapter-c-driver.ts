/**
 * A C test driver that attaches to the DMA test device and, in StartDevice,
 * gets a scatter/gather adapter (`Adapter`, 16 pages at most, 32-bit
 * addresses) before running the test's own code: a fixture for tests of one
 * HAL routine's C glue, whose StartDevice succeeds only when the routine
 * answered as expected.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileCDriver } from '../../src/personalities/c-wasm/compiler';
import { loadDriverModule } from '../../src/personalities/driver-loader';
import { installDriver } from '../../src/personalities/wdm/loader';
import { bootSmallMachine } from '../mm/machine-fixture';

export interface AdapterCDriver {
  /** The file's name, without .c, and the driver's. */
  readonly name: string;
  readonly conformanceClass: string;
  readonly description: string;
  /** C at file scope, after `Lower`, `Self` and `Adapter` are declared. */
  readonly declarations: string;
  /** StartDevice's code once `Adapter` is had; it returns StartDevice's status and puts the adapter back. */
  readonly startBody: string;
}

/** Writes the driver into a temporary folder of its own; returns the .c file's path. */
export function writeAdapterCDriver(d: AdapterCDriver): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), `c-${d.name}-`));
  const file = path.join(folder, `${d.name}.c`);
  fs.writeFileSync(file, `#include <wdm.h>
DMA_CONFORMANCE_DRIVER("${d.name}", "${d.conformanceClass}", "${d.description}");
static PDEVICE_OBJECT Lower, Self;
static PDMA_ADAPTER Adapter;
${d.declarations}
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
${d.startBody}
}
`);
  return file;
}

/** Compiles the driver and starts it on a small machine's DMA test device (DriverStartFailed when its StartDevice fails). */
export async function startAdapterCDriver(file: string): Promise<void> {
  await compileCDriver([file], path.dirname(file));
  const machine = bootSmallMachine();
  installDriver(machine, loadDriverModule(file, path.dirname(file)), [machine.bus.functionOf(machine.dmaDevice)]);
}
