/** The smallest C driver the loader takes, with `entryBody` in its DriverEntry: a fixture for tests of the C personality. */
export function minimalCDriver(name: string, description: string, entryBody: string): string {
  return `#include <wdm.h>
DMA_CONFORMANCE_DRIVER("${name}", "read-write-direct", "${description}");
DRIVER_EXPORT(DriverEntry) NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
${entryBody}
  return STATUS_SUCCESS;
}
DRIVER_EXPORT(AddDevice) NTSTATUS AddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo) { return STATUS_SUCCESS; }
DRIVER_EXPORT(StartDevice) NTSTATUS StartDevice(PDEVICE_OBJECT DeviceObject, PCM_RESOURCE_LIST Resources) { return STATUS_SUCCESS; }
DRIVER_EXPORT(RemoveDevice) VOID RemoveDevice(PDEVICE_OBJECT DeviceObject) {}
`;
}
