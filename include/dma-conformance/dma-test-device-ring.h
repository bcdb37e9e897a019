/*
 * What every driver of the DMA test device does the same way, for C drivers
 * that embed a DMA_TEST_DEVICE in their device extension: map BAR0, get a
 * scatter/gather bus-master adapter and a descriptor ring, turn bus mastering
 * on and off, turn a scatter/gather list into descriptors and start the
 * device on them, acknowledge its interrupt, and watch a transfer that may
 * never end (a hung or removed device never interrupts).
 */
#ifndef DMA_CONFORMANCE_DMA_TEST_DEVICE_RING_H
#define DMA_CONFORMANCE_DMA_TEST_DEVICE_RING_H
#include <wdm.h>
#include <dma-conformance/dma-test-device.h>

#define DMA_TEST_DEVICE_REGISTER_WINDOW 0x100    /* the part of BAR0 a driver maps */
#define DMA_TEST_DEVICE_REMOVED 0xffffffffu      /* what every register of a device that is gone reads */
#define DMA_TEST_DEVICE_WATCHDOG_MS 100          /* a whole period without progress: the device is stuck */

typedef struct _DMA_TEST_DEVICE {
  PDEVICE_OBJECT Pdo;
  PUCHAR Registers;           /* BAR0, mapped by MmMapIoSpace */
  ULONG RegistersLength;
  ULONG MaxTransfer;          /* MAX_TRANSFER_LENGTH: the longest descriptor */
  ULONG LongestTransfer;      /* the most one scatter/gather list may map */
  PDMA_ADAPTER Adapter;
  PDMA_DESCRIPTOR Ring;       /* a common buffer of DMA_MAX_RING_DESCRIPTORS */
  PHYSICAL_ADDRESS RingLogical;
  KTIMER Watchdog;
  KDPC WatchdogDpc;
  ULONGLONG WatchdogDue;
  ULONGLONG LastProgress;
} DMA_TEST_DEVICE, *PDMA_TEST_DEVICE;

static inline ULONG DmaTestDeviceRead(PDMA_TEST_DEVICE Device, ULONG Register) {
  return READ_REGISTER_ULONG((volatile ULONG *)(Device->Registers + Register));
}

static inline VOID DmaTestDeviceWrite(PDMA_TEST_DEVICE Device, ULONG Register, ULONG Value) {
  WRITE_REGISTER_ULONG((volatile ULONG *)(Device->Registers + Register), Value);
}

/* The function's PCI slot on bus 0 (device and function, as PCI_SLOT_NUMBER lays them out). */
static inline ULONG DmaTestDeviceSlot(PDEVICE_OBJECT Pdo) {
  ULONG address = 0, returned = 0;  /* device << 16 | function */
  IoGetDeviceProperty(Pdo, DevicePropertyAddress, sizeof address, &address, &returned);
  return (address >> 16) | ((address & 0x7) << 5);
}

/* Bus mastering on or off, in the PCI command register. */
static inline VOID DmaTestDeviceBusMaster(PDMA_TEST_DEVICE Device, BOOLEAN Enable) {
  const ULONG commandRegister = 0x04, busMaster = 0x4;
  ULONG slot = DmaTestDeviceSlot(Device->Pdo);
  USHORT command = 0;
  HalGetBusDataByOffset(PCIConfiguration, 0, slot, &command, commandRegister, sizeof command);
  command = Enable ? (USHORT)(command | busMaster) : (USHORT)(command & ~busMaster);
  HalSetBusDataByOffset(PCIConfiguration, 0, slot, &command, commandRegister, sizeof command);
}

/*
 * StartDevice's part: BAR0 (the first memory resource), a scatter/gather
 * bus-master adapter (64-bit only when the device says so: SG-1, SG-6), the
 * ring, bus mastering. LongestTransfer: no more pages than map registers (an
 * unaligned piece spans one page more than its length), no more descriptors
 * than half the ring (an element per page, each cut at the device's maximum),
 * and no more than MaximumTransfer.
 */
static inline NTSTATUS DmaTestDeviceStart(PDMA_TEST_DEVICE Device, PCM_RESOURCE_LIST Resources, ULONG MaximumTransfer) {
  PCM_PARTIAL_RESOURCE_LIST resources = &Resources->List[0].PartialResourceList;
  ULONG i = 0;
  while (i < resources->Count && resources->PartialDescriptors[i].Type != CmResourceTypeMemory) i++;
  if (i == resources->Count) return STATUS_DEVICE_NOT_CONNECTED;
  PCM_PARTIAL_RESOURCE_DESCRIPTOR bar0 = &resources->PartialDescriptors[i];
  Device->RegistersLength = bar0->u.Memory.Length < DMA_TEST_DEVICE_REGISTER_WINDOW ? bar0->u.Memory.Length : DMA_TEST_DEVICE_REGISTER_WINDOW;
  Device->Registers = MmMapIoSpace(bar0->u.Memory.Start, Device->RegistersLength, MmNonCached);
  if (!Device->Registers) return STATUS_INSUFFICIENT_RESOURCES;
  Device->MaxTransfer = DmaTestDeviceRead(Device, DMA_REG_MAX_TRANSFER_LENGTH);

  DEVICE_DESCRIPTION description;
  RtlZeroMemory(&description, sizeof description);
  description.Version = DEVICE_DESCRIPTION_VERSION3;
  description.Master = TRUE;
  description.ScatterGather = TRUE;
  description.Dma32BitAddresses = TRUE;
  description.Dma64BitAddresses = (DmaTestDeviceRead(Device, DMA_REG_CAPABILITIES) & DMA_CAPABILITY_ADDRESSING_64BIT) != 0;
  description.InterfaceType = PCIBus;
  description.MaximumLength = MaximumTransfer;
  ULONG mapRegisters = 0;
  Device->Adapter = IoGetDmaAdapter(Device->Pdo, &description, &mapRegisters);
  if (!Device->Adapter) return STATUS_INSUFFICIENT_RESOURCES;

  ULONG byMapRegisters = (mapRegisters > 1 ? mapRegisters - 1 : 1) * PAGE_SIZE;
  ULONG byRing = (DMA_MAX_RING_DESCRIPTORS / 2 - 1) * (Device->MaxTransfer < PAGE_SIZE ? Device->MaxTransfer : PAGE_SIZE);
  if (byRing < PAGE_SIZE) byRing = PAGE_SIZE;
  Device->LongestTransfer = MaximumTransfer;
  if (byMapRegisters < Device->LongestTransfer) Device->LongestTransfer = byMapRegisters;
  if (byRing < Device->LongestTransfer) Device->LongestTransfer = byRing;

  Device->Ring = Device->Adapter->DmaOperations->AllocateCommonBuffer(Device->Adapter, DMA_MAX_RING_DESCRIPTORS * sizeof(DMA_DESCRIPTOR), &Device->RingLogical, FALSE);
  if (!Device->Ring) {
    Device->Adapter->DmaOperations->PutDmaAdapter(Device->Adapter);
    Device->Adapter = NULL;
    return STATUS_INSUFFICIENT_RESOURCES;
  }
  DmaTestDeviceBusMaster(Device, TRUE);
  return STATUS_SUCCESS;
}

static inline VOID DmaTestDeviceDisarmWatchdog(PDMA_TEST_DEVICE Device) {
  KeCancelTimer(&Device->Watchdog);
  KeRemoveQueueDpc(&Device->WatchdogDpc);
}

/* AddDevice's part, once the FDO exists: remember the PDO, and set up the watchdog, whose DPC gets the FDO. */
static inline VOID DmaTestDeviceInitialize(PDMA_TEST_DEVICE Device, PDEVICE_OBJECT Fdo, PDEVICE_OBJECT Pdo, PKDEFERRED_ROUTINE WatchdogExpired) {
  Device->Pdo = Pdo;
  KeInitializeTimer(&Device->Watchdog);
  KeInitializeDpc(&Device->WatchdogDpc, WatchdogExpired, Fdo);
}

/* RemoveDevice: undo DmaTestDeviceStart in reverse order, then leave the stack and delete the FDO. */
static inline VOID DmaTestDeviceRemove(PDMA_TEST_DEVICE Device, PDEVICE_OBJECT Fdo) {
  DmaTestDeviceDisarmWatchdog(Device);
  if (Device->Registers) DmaTestDeviceBusMaster(Device, FALSE);
  if (Device->Ring) Device->Adapter->DmaOperations->FreeCommonBuffer(Device->Adapter, DMA_MAX_RING_DESCRIPTORS * sizeof(DMA_DESCRIPTOR), Device->RingLogical, Device->Ring, FALSE);
  if (Device->Adapter) Device->Adapter->DmaOperations->PutDmaAdapter(Device->Adapter);
  if (Device->Registers) MmUnmapIoSpace(Device->Registers, Device->RegistersLength);
  IoDetachDevice(Device->Pdo);
  IoDeleteDevice(Fdo);
}

/* One descriptor: the device sees `Address` for `Length` bytes. */
static inline ULONG DmaTestDevicePutDescriptors(PDMA_TEST_DEVICE Device, ULONG Count, ULONGLONG Address, ULONG Length) {
  /* No descriptor may exceed the device's maximum transfer (DEV-2). */
  for (ULONG left = Length; left > 0; Count++) {
    ULONG chunk = left < Device->MaxTransfer ? left : Device->MaxTransfer;
    Device->Ring[Count].Address = Address;
    Device->Ring[Count].Length = chunk;
    Device->Ring[Count].Flags = 0;
    Address += chunk;
    left -= chunk;
  }
  return Count;
}

/* Start the device on the first Count descriptors of the ring, with its completion interrupt. */
static inline VOID DmaTestDeviceStartRing(PDMA_TEST_DEVICE Device, ULONG Count, ULONGLONG StreamOffset, BOOLEAN ToDevice) {
  Device->Ring[Count - 1].Flags = DMA_DESCRIPTOR_LAST;
  DmaTestDeviceWrite(Device, DMA_REG_RING_BASE_LOW, Device->RingLogical.LowPart);
  DmaTestDeviceWrite(Device, DMA_REG_RING_BASE_HIGH, (ULONG)Device->RingLogical.HighPart);
  DmaTestDeviceWrite(Device, DMA_REG_RING_COUNT, Count);
  DmaTestDeviceWrite(Device, DMA_REG_STREAM_OFFSET_LOW, (ULONG)StreamOffset);
  DmaTestDeviceWrite(Device, DMA_REG_STREAM_OFFSET_HIGH, (ULONG)(StreamOffset >> 32));
  ULONG direction = ToDevice ? DMA_CONTROL_DIRECTION_HOST_TO_DEVICE : 0;
  DmaTestDeviceWrite(Device, DMA_REG_CONTROL, DMA_CONTROL_INTERRUPT_ENABLE | DMA_CONTROL_MODE_DESCRIPTOR_RING | direction | DMA_CONTROL_START);
}

/* Stop the running transfer; the device then fails it and interrupts (interrupts stay on, so the error is heard). */
static inline VOID DmaTestDeviceAbort(PDMA_TEST_DEVICE Device) {
  DmaTestDeviceWrite(Device, DMA_REG_CONTROL, DMA_CONTROL_INTERRUPT_ENABLE | DMA_CONTROL_ABORT);
}

/* The ISR: acknowledge what the device raised and leave the rest to the DPC; FALSE when the interrupt is not the device's (a removed one raises nothing). */
static inline BOOLEAN DmaTestDeviceInterrupt(PDMA_TEST_DEVICE Device, PDEVICE_OBJECT Fdo) {
  ULONG raised = DmaTestDeviceRead(Device, DMA_REG_INTERRUPT_STATUS);
  if (raised == 0 || raised == DMA_TEST_DEVICE_REMOVED) return FALSE;
  DmaTestDeviceWrite(Device, DMA_REG_INTERRUPT_ACK, raised);
  IoRequestDpc(Fdo, NULL, (PVOID)(ULONG_PTR)raised);
  return TRUE;
}

static inline BOOLEAN DmaTestDeviceBusy(ULONG Status) {
  return Status != DMA_TEST_DEVICE_REMOVED && (Status & DMA_STATUS_STATE_MASK) == DMA_STATE_BUSY;
}

/* How a transfer that is no longer busy ended, from its STATUS register. */
static inline NTSTATUS DmaTestDeviceOutcome(ULONG Status) {
  if (Status == DMA_TEST_DEVICE_REMOVED) return STATUS_DEVICE_NOT_CONNECTED;
  return (Status & DMA_STATUS_STATE_MASK) == DMA_STATE_DONE ? STATUS_SUCCESS : STATUS_IO_DEVICE_ERROR;
}

static inline VOID DmaTestDeviceSetWatchdog(PDMA_TEST_DEVICE Device) {
  LARGE_INTEGER due;
  due.QuadPart = -(LONGLONG)DMA_TEST_DEVICE_WATCHDOG_MS * 10000;  /* relative, in 100 ns */
  Device->WatchdogDue = KeQueryInterruptTime() + (ULONGLONG)DMA_TEST_DEVICE_WATCHDOG_MS * 10000;
  KeSetTimer(&Device->Watchdog, due, &Device->WatchdogDpc);
}

/* A transfer was started: watch it. The watchdog's DPC calls DmaTestDeviceWatch. */
static inline VOID DmaTestDeviceArmWatchdog(PDMA_TEST_DEVICE Device) {
  Device->LastProgress = ~0ull;  /* the first expiry only records the progress */
  DmaTestDeviceSetWatchdog(Device);
}

/*
 * The watchdog's expiry. Time alone is no proof (the CPU may have been busy
 * elsewhere, the device with it): only a whole period in which the device
 * moved nothing, with the timer on time, counts as stuck, and a stuck device
 * is aborted (it then fails the transfer and interrupts). Returns TRUE when
 * the transfer is no longer busy (ended, or the device is gone and will never
 * interrupt): the caller ends it, with *Status the STATUS register.
 */
static inline BOOLEAN DmaTestDeviceWatch(PDMA_TEST_DEVICE Device, ULONG *Status) {
  *Status = DmaTestDeviceRead(Device, DMA_REG_STATUS);
  if (!DmaTestDeviceBusy(*Status)) return TRUE;
  ULONGLONG progress = DmaTestDeviceRead(Device, DMA_REG_BYTES_TRANSFERRED) | (ULONGLONG)DmaTestDeviceRead(Device, DMA_REG_RING_PROGRESS) << 32;
  BOOLEAN late = KeQueryInterruptTime() > Device->WatchdogDue + (ULONGLONG)DMA_TEST_DEVICE_WATCHDOG_MS * 10000;
  if (progress != Device->LastProgress || late) Device->LastProgress = progress;
  else DmaTestDeviceAbort(Device);
  DmaTestDeviceSetWatchdog(Device);  /* aborted: no interrupt by then means look again (removed meanwhile?) */
  return FALSE;
}

#endif
