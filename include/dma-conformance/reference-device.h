/*
 * The skeleton the suite's C reference drivers share for the DMA test device
 * (docs/dma-device.md), as driver-kit.ts's ReferenceDevice is for the
 * TypeScript ones: StartDevice's registers, DMA adapter, descriptor ring and
 * bus mastering; RemoveDevice's undoing of them; the ring programmed from
 * device addresses; how a transfer ended; and a watchdog that tells a stuck
 * device from a slow one. A driver embeds DMA_REFERENCE_DEVICE in its device
 * extension and keeps its own locking, queues and requests.
 */
#ifndef DMA_CONFORMANCE_REFERENCE_DEVICE_H
#define DMA_CONFORMANCE_REFERENCE_DEVICE_H

#include <wdm.h>
#include <dma-conformance/dma-test-device.h>

#define DMA_REFERENCE_REGISTERS_LENGTH 0x100  /* the registers a driver maps of BAR0 */
#define DMA_REFERENCE_ALL_ONES 0xffffffffu    /* what every register of a surprise-removed device reads */
#define DMA_REFERENCE_PCI_COMMAND 0x04
#define DMA_REFERENCE_PCI_COMMAND_BUS_MASTER 0x4

typedef struct _DMA_REFERENCE_DEVICE {
  PDEVICE_OBJECT Pdo;
  PUCHAR Registers;            /* BAR0, from MmMapIoSpace: passed to READ/WRITE_REGISTER_ULONG, never dereferenced */
  ULONG RegistersLength;
  ULONG MaxTransfer;           /* the device's MAX_TRANSFER_LENGTH: the most one descriptor may carry (DEV-2) */
  ULONG MapRegisters;          /* what IoGetDmaAdapter granted: the most pages one list may span */
  PDMA_ADAPTER Adapter;
  PDMA_DESCRIPTOR Ring;        /* DMA_MAX_RING_DESCRIPTORS descriptors in a common buffer the device fetches */
  PHYSICAL_ADDRESS RingLogical;
  KTIMER WatchdogTimer;
  KDPC WatchdogDpc;
  ULONG WatchdogMs;
  ULONGLONG WatchdogDue;       /* KeQueryInterruptTime when the timer is due */
  ULONGLONG LastProgress;      /* the device's progress when the timer was set */
  BOOLEAN FirstLook;           /* the timer was just armed: nothing to compare with yet */
} DMA_REFERENCE_DEVICE, *PDMA_REFERENCE_DEVICE;

/* How the device's last transfer ended, read from its registers. */
typedef struct _DMA_TRANSFER_RESULT {
  BOOLEAN Busy;                /* still working on it */
  BOOLEAN Done;                /* ended in Done; otherwise in Error, or removed */
  BOOLEAN Removed;             /* the device is gone: every register reads all ones */
  ULONG Bytes;                 /* BYTES_TRANSFERRED */
} DMA_TRANSFER_RESULT;

static inline ULONG DmaDeviceRead(PDMA_REFERENCE_DEVICE Device, ULONG Offset) {
  return READ_REGISTER_ULONG((volatile ULONG *)(Device->Registers + Offset));
}

static inline VOID DmaDeviceWrite(PDMA_REFERENCE_DEVICE Device, ULONG Offset, ULONG Value) {
  WRITE_REGISTER_ULONG((volatile ULONG *)(Device->Registers + Offset), Value);
}

/* The PCI slot of the device (PCI_SLOT_NUMBER from DevicePropertyAddress: device << 16 | function). */
static inline ULONG DmaDevicePciSlot(PDMA_REFERENCE_DEVICE Device) {
  ULONG address = 0, returned = 0;
  IoGetDeviceProperty(Device->Pdo, DevicePropertyAddress, sizeof address, &address, &returned);
  return (address >> 16) | ((address & 0x7) << 5);
}

/* Bus mastering on only while the driver has the device's DMA set up. */
static inline VOID DmaDeviceSetBusMaster(PDMA_REFERENCE_DEVICE Device, BOOLEAN On) {
  ULONG slot = DmaDevicePciSlot(Device);
  USHORT command = 0;
  HalGetBusDataByOffset(PCIConfiguration, 0, slot, &command, DMA_REFERENCE_PCI_COMMAND, sizeof command);
  if (On) command |= DMA_REFERENCE_PCI_COMMAND_BUS_MASTER;
  else command &= (USHORT)~DMA_REFERENCE_PCI_COMMAND_BUS_MASTER;
  HalSetBusDataByOffset(PCIConfiguration, 0, slot, &command, DMA_REFERENCE_PCI_COMMAND, sizeof command);
}

/*
 * AddDevice's part: the FDO, whose zeroed extension of ExtensionSize bytes
 * begins with its DMA_REFERENCE_DEVICE, attached over the PDO with IoFlags
 * (DO_DIRECT_IO or DO_BUFFERED_IO), and the watchdog's timer and DPC (the
 * DPC routine is the driver's; its context is the extension). The driver
 * sets up the rest of its extension, then clears DO_DEVICE_INITIALIZING.
 */
static inline NTSTATUS DmaDeviceAdd(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo, ULONG ExtensionSize, ULONG IoFlags, PKDEFERRED_ROUTINE Watchdog, PDEVICE_OBJECT *Fdo) {
  NTSTATUS status = IoCreateDevice(DriverObject, ExtensionSize, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, Fdo);
  if (!NT_SUCCESS(status)) return status;
  PDMA_REFERENCE_DEVICE device = (*Fdo)->DeviceExtension;
  device->Pdo = Pdo;
  KeInitializeTimer(&device->WatchdogTimer);
  KeInitializeDpc(&device->WatchdogDpc, Watchdog, device);
  (*Fdo)->Flags |= IoFlags;
  IoAttachDeviceToDeviceStack(*Fdo, Pdo);
  return STATUS_SUCCESS;
}

/*
 * StartDevice's part: BAR0, a scatter/gather bus-master adapter for
 * transfers of MaximumLength (64-bit only when the device says so, SG-1),
 * the descriptor ring, then bus mastering. On failure what was set up is
 * left for DmaDeviceStop.
 */
static inline NTSTATUS DmaDeviceStart(PDMA_REFERENCE_DEVICE Device, PCM_RESOURCE_LIST Resources, ULONG MaximumLength) {
  PCM_PARTIAL_RESOURCE_LIST partial = &Resources->List[0].PartialResourceList;
  PCM_PARTIAL_RESOURCE_DESCRIPTOR registers = NULL;
  for (ULONG i = 0; i < partial->Count; i++) {
    if (partial->PartialDescriptors[i].Type == CmResourceTypeMemory) {
      registers = &partial->PartialDescriptors[i];  /* the first memory BAR is BAR0 */
      break;
    }
  }
  if (!registers) return STATUS_DEVICE_NOT_CONNECTED;
  Device->RegistersLength = registers->u.Memory.Length < DMA_REFERENCE_REGISTERS_LENGTH ? registers->u.Memory.Length : DMA_REFERENCE_REGISTERS_LENGTH;
  Device->Registers = MmMapIoSpace(registers->u.Memory.Start, Device->RegistersLength, MmNonCached);
  if (!Device->Registers) return STATUS_INSUFFICIENT_RESOURCES;
  Device->MaxTransfer = DmaDeviceRead(Device, DMA_REG_MAX_TRANSFER_LENGTH);

  DEVICE_DESCRIPTION description = {
    .Version = DEVICE_DESCRIPTION_VERSION3, .Master = TRUE, .ScatterGather = TRUE, .InterfaceType = PCIBus, .MaximumLength = MaximumLength,
    .Dma32BitAddresses = TRUE, .Dma64BitAddresses = (DmaDeviceRead(Device, DMA_REG_CAPABILITIES) & DMA_CAPABILITY_ADDRESSING_64BIT) != 0,
  };
  Device->Adapter = IoGetDmaAdapter(Device->Pdo, &description, &Device->MapRegisters);
  if (!Device->Adapter) return STATUS_INSUFFICIENT_RESOURCES;
  Device->Ring = Device->Adapter->DmaOperations->AllocateCommonBuffer(Device->Adapter, DMA_MAX_RING_DESCRIPTORS * sizeof(DMA_DESCRIPTOR), &Device->RingLogical, FALSE);
  if (!Device->Ring) return STATUS_INSUFFICIENT_RESOURCES;
  DmaDeviceSetBusMaster(Device, TRUE);
  return STATUS_SUCCESS;
}

/* RemoveDevice's part, and a failed start's: undo DmaDeviceStart in reverse order. */
static inline VOID DmaDeviceStop(PDMA_REFERENCE_DEVICE Device) {
  KeCancelTimer(&Device->WatchdogTimer);
  KeRemoveQueueDpc(&Device->WatchdogDpc);
  if (Device->Ring) {
    DmaDeviceSetBusMaster(Device, FALSE);
    Device->Adapter->DmaOperations->FreeCommonBuffer(Device->Adapter, DMA_MAX_RING_DESCRIPTORS * sizeof(DMA_DESCRIPTOR), Device->RingLogical, Device->Ring, FALSE);
    Device->Ring = NULL;
  }
  if (Device->Adapter) Device->Adapter->DmaOperations->PutDmaAdapter(Device->Adapter);
  Device->Adapter = NULL;
  if (Device->Registers) MmUnmapIoSpace(Device->Registers, Device->RegistersLength);
  Device->Registers = NULL;
}

/* The longest piece one list may map (DEV-2): an unaligned piece spans one page more than its length. */
static inline ULONG DmaDeviceLongestMapped(PDMA_REFERENCE_DEVICE Device, ULONG MaximumLength) {
  ULONG pages = Device->MapRegisters > 1 ? Device->MapRegisters - 1 : 1;
  return pages * PAGE_SIZE < MaximumLength ? pages * PAGE_SIZE : MaximumLength;
}

/*
 * Descriptors for one device-visible range from descriptor `First` on, each
 * no longer than the device's maximum transfer (DEV-2); returns the next free
 * descriptor. The caller marks the last one.
 */
static inline ULONG DmaDeviceDescribe(PDMA_REFERENCE_DEVICE Device, ULONG First, ULONGLONG Address, ULONG Length) {
  ULONG n = First;
  for (ULONG done = 0; done < Length && n < DMA_MAX_RING_DESCRIPTORS; n++) {
    ULONG piece = Length - done < Device->MaxTransfer ? Length - done : Device->MaxTransfer;
    Device->Ring[n].Address = Address + done;
    Device->Ring[n].Length = piece;
    Device->Ring[n].Flags = 0;
    done += piece;
  }
  return n;
}

/* Start the device on the ring's first `Count` descriptors, at stream offset `StreamOffset`; it interrupts when it ends. */
static inline VOID DmaDeviceStartRing(PDMA_REFERENCE_DEVICE Device, ULONG Count, BOOLEAN ToDevice, ULONGLONG StreamOffset) {
  Device->Ring[Count - 1].Flags = DMA_DESCRIPTOR_LAST;
  DmaDeviceWrite(Device, DMA_REG_RING_BASE_LOW, Device->RingLogical.LowPart);
  DmaDeviceWrite(Device, DMA_REG_RING_BASE_HIGH, (ULONG)Device->RingLogical.HighPart);
  DmaDeviceWrite(Device, DMA_REG_RING_COUNT, Count);
  DmaDeviceWrite(Device, DMA_REG_STREAM_OFFSET_LOW, (ULONG)StreamOffset);
  DmaDeviceWrite(Device, DMA_REG_STREAM_OFFSET_HIGH, (ULONG)(StreamOffset >> 32));
  DmaDeviceWrite(Device, DMA_REG_CONTROL, DMA_CONTROL_INTERRUPT_ENABLE | DMA_CONTROL_MODE_DESCRIPTOR_RING | (ToDevice ? DMA_CONTROL_DIRECTION_HOST_TO_DEVICE : 0) | DMA_CONTROL_START);
}

static inline DMA_TRANSFER_RESULT DmaDeviceResult(PDMA_REFERENCE_DEVICE Device) {
  DMA_TRANSFER_RESULT result = { FALSE, FALSE, FALSE, 0 };
  ULONG status = DmaDeviceRead(Device, DMA_REG_STATUS);
  if (status == DMA_REFERENCE_ALL_ONES) {
    result.Removed = TRUE;
    return result;
  }
  result.Busy = (status & DMA_STATUS_STATE_MASK) == DMA_STATE_BUSY;
  result.Done = (status & DMA_STATUS_STATE_MASK) == DMA_STATE_DONE;
  result.Bytes = DmaDeviceRead(Device, DMA_REG_BYTES_TRANSFERRED);
  return result;
}

/* The ISR's part: the pending interrupt sources, acknowledged; 0 when none are the device's (a removed device raises nothing). */
static inline ULONG DmaDeviceAcknowledge(PDMA_REFERENCE_DEVICE Device) {
  ULONG pending = DmaDeviceRead(Device, DMA_REG_INTERRUPT_STATUS);
  if (pending == 0 || pending == DMA_REFERENCE_ALL_ONES) return 0;
  DmaDeviceWrite(Device, DMA_REG_INTERRUPT_ACK, pending);
  return pending;
}

/* The ISR, for a device extension that begins with its DMA_REFERENCE_DEVICE: acknowledge the device, leave the rest to the DPC. */
static inline BOOLEAN DmaDeviceInterrupt(PDEVICE_OBJECT Fdo) {
  ULONG pending = DmaDeviceAcknowledge((PDMA_REFERENCE_DEVICE)Fdo->DeviceExtension);
  if (!pending) return FALSE;
  IoRequestDpc(Fdo, NULL, (PVOID)(ULONG_PTR)pending);
  return TRUE;
}

/* The DPC's question: did the transfer end? Not when the interrupt was an aborted transfer's, seen after the next one started. */
static inline BOOLEAN DmaDeviceTransferEnded(PDMA_REFERENCE_DEVICE Device, DMA_TRANSFER_RESULT *Result) {
  *Result = DmaDeviceResult(Device);
  return !Result->Busy;
}

/* Stop a stuck transfer: the device ends it in Error and interrupts (interrupts stay enabled to hear it). */
static inline VOID DmaDeviceAbort(PDMA_REFERENCE_DEVICE Device) {
  DmaDeviceWrite(Device, DMA_REG_CONTROL, DMA_CONTROL_INTERRUPT_ENABLE | DMA_CONTROL_ABORT);
}

static inline ULONGLONG DmaDeviceProgress(PDMA_REFERENCE_DEVICE Device) {
  return DmaDeviceRead(Device, DMA_REG_BYTES_TRANSFERRED) + ((ULONGLONG)DmaDeviceRead(Device, DMA_REG_RING_PROGRESS) << 32);
}

static inline VOID DmaDeviceSetWatchdog(PDMA_REFERENCE_DEVICE Device) {
  LARGE_INTEGER due;
  due.QuadPart = -(LONGLONG)Device->WatchdogMs * 10000;  /* relative, in 100 ns */
  Device->WatchdogDue = KeQueryInterruptTime() + (ULONGLONG)Device->WatchdogMs * 10000;
  KeSetTimer(&Device->WatchdogTimer, due, &Device->WatchdogDpc);
}

/* A transfer started: its watchdog runs from now. */
static inline VOID DmaDeviceArmWatchdog(PDMA_REFERENCE_DEVICE Device, ULONG Milliseconds) {
  Device->WatchdogMs = Milliseconds;
  Device->FirstLook = TRUE;
  DmaDeviceSetWatchdog(Device);
}

static inline VOID DmaDeviceCancelWatchdog(PDMA_REFERENCE_DEVICE Device) {
  KeCancelTimer(&Device->WatchdogTimer);
  KeRemoveQueueDpc(&Device->WatchdogDpc);
}

/*
 * The watchdog's DPC asks: has the device moved nothing for a whole period?
 * Time alone is no proof: when the timer ran more than a period late the CPU
 * (and the device with it) was held up, and a device still moving data is
 * slow, not stuck. Otherwise the timer is set again and the answer is FALSE.
 */
static inline BOOLEAN DmaDeviceStalled(PDMA_REFERENCE_DEVICE Device) {
  ULONGLONG now = DmaDeviceProgress(Device);
  BOOLEAN late = KeQueryInterruptTime() > Device->WatchdogDue + (ULONGLONG)Device->WatchdogMs * 10000;
  if (Device->FirstLook || now != Device->LastProgress || late) {
    Device->FirstLook = FALSE;
    Device->LastProgress = now;
    DmaDeviceSetWatchdog(Device);
    return FALSE;
  }
  return TRUE;
}

/*
 * The watchdog DPC's question, for a transfer under way: did it end without
 * an interrupt (a device that is gone never interrupts again)? A device stuck
 * for a whole period is aborted, so it ends the transfer with an error and
 * interrupts; the watchdog looks again a period later.
 */
static inline BOOLEAN DmaDeviceEndedSilently(PDMA_REFERENCE_DEVICE Device, DMA_TRANSFER_RESULT *Result) {
  if (!DmaDeviceStalled(Device)) return FALSE;
  *Result = DmaDeviceResult(Device);
  if (!Result->Busy) return TRUE;
  DmaDeviceAbort(Device);
  DmaDeviceArmWatchdog(Device, Device->WatchdogMs);
  return FALSE;
}

#endif
