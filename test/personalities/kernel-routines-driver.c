/*
 * A small WDM driver, written as a driver writer writes C, that uses the
 * kernel routines beyond the reference drivers': work items, waits on events
 * and timers, periodic timers, IRPs it allocates and sends down with a
 * completion routine, contiguous memory, interrupts with
 * KeSynchronizeExecution, IoInitializeDpcRequest, programmed I/O through
 * ports and register buffers, symbolic links, cancel-safe queue contexts
 * and MmMapIoSpace. Each IOCTL runs one group and reports what it saw in its output
 * buffer (METHOD_BUFFERED, ULONGs).
 */
#include <wdm.h>

DMA_CONFORMANCE_DRIVER("kernel-routines-c", "read-write-direct", "Exercises work items, waits, timers, driver IRPs, contiguous memory, interrupts and cancel-safe queue contexts.");

#define ROUTINES_IOCTL(n) CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900 + (n), METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_WORK_ITEM ROUTINES_IOCTL(0)
#define IOCTL_WAIT ROUTINES_IOCTL(1)
#define IOCTL_PERIODIC ROUTINES_IOCTL(2)
#define IOCTL_SEND_IRP ROUTINES_IOCTL(3)
#define IOCTL_CONTIGUOUS_ALLOCATE ROUTINES_IOCTL(4)
#define IOCTL_CONTIGUOUS_READ ROUTINES_IOCTL(5)
#define IOCTL_SYNCHRONIZE ROUTINES_IOCTL(6)
#define IOCTL_CSQ_QUEUE ROUTINES_IOCTL(7)
#define IOCTL_CSQ_TAKE ROUTINES_IOCTL(8)
#define IOCTL_HOLD ROUTINES_IOCTL(9)
#define IOCTL_POLL_CANCEL ROUTINES_IOCTL(10)
#define IOCTL_BAD_POINTER ROUTINES_IOCTL(11)
#define IOCTL_DPC_REQUEST ROUTINES_IOCTL(12)
#define IOCTL_PROGRAMMED_IO ROUTINES_IOCTL(13)
#define IOCTL_LINK ROUTINES_IOCTL(14)
#define IOCTL_MAP_IO_SPACE ROUTINES_IOCTL(15)
#define IOCTL_PAGE_ARITHMETIC ROUTINES_IOCTL(16)

/* The DMA test device: its FIFO data register in BAR0 and its I/O ports (dma-test-device-registers.ts). */
#define REG_STATUS 0x0c
#define REG_FIFO_DATA 0x60
#define PORT_FIFO_DATA 0x0
#define PORT_STATUS 0x4
#define REGISTERS_LENGTH 0x100

#define TAG 0x74756f52  /* 'Rout' */
#define MS (-10000LL)   /* one millisecond, relative, in 100-ns units */
#define INTERNAL_READ_LENGTH 123
#define FORWARDED_READ_LENGTH 5  /* a read of this length is passed down once more, three times as long */

typedef struct _DEVICE_EXTENSION {
  PDEVICE_OBJECT Self;
  PKINTERRUPT Interrupt;
  KIRQL InterruptIrql;
  PIO_WORKITEM WorkItem;
  PIRP WorkIrp;
  KEVENT Event;
  KTIMER Timer;
  KDPC Dpc;
  KTIMER Periodic;
  KDPC PeriodicDpc;
  ULONG Ticks;
  ULONG CompletionCalls;
  ULONG CompletedInformation;
  BOOLEAN CompletionContextRight;
  PUCHAR Contiguous;
  IO_CSQ Queue;
  IO_CSQ_IRP_CONTEXT QueuedContext;
  PIRP Held;
  ULONG IsrCalls;
  PIRP DpcIrp;
  PUCHAR Registers;
  ULONG_PTR Ports;
} DEVICE_EXTENSION, *PDEVICE_EXTENSION;

static WCHAR DeviceNameText[] = u"\\Device\\KernelRoutines0";
static WCHAR LinkNameText[] = L"\\DosDevices\\KernelRoutinesLink";
static UNICODE_STRING DeviceName = { sizeof DeviceNameText - sizeof(WCHAR), sizeof DeviceNameText, DeviceNameText };
static UNICODE_STRING LinkName = { sizeof LinkNameText - sizeof(WCHAR), sizeof LinkNameText, LinkNameText };

static NTSTATUS Complete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information) {
  Irp->IoStatus.Status = Status;
  Irp->IoStatus.Information = Information;
  IoCompleteRequest(Irp, IO_NO_INCREMENT);
  return Status;
}

static NTSTATUS CreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  UNREFERENCED_PARAMETER(DeviceObject);
  return Complete(Irp, STATUS_SUCCESS, 0);
}

/* --- work items ---------------------------------------------------------- */

static VOID WorkRoutine(PDEVICE_OBJECT DeviceObject, PVOID Context) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  PIRP irp = ext->WorkIrp;
  PULONG out = irp->AssociatedIrp.SystemBuffer;
  out[0] = KeGetCurrentIrql();
  out[1] = Context == ext;
  IoFreeWorkItem(ext->WorkItem);
  ext->WorkItem = NULL;
  ext->WorkIrp = NULL;
  Complete(irp, STATUS_SUCCESS, 2 * sizeof(ULONG));
}

static NTSTATUS QueueWork(PDEVICE_EXTENSION ext, PIRP Irp) {
  KIRQL old;
  ext->WorkItem = IoAllocateWorkItem(ext->Self);
  if (!ext->WorkItem) return Complete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
  ext->WorkIrp = Irp;
  IoMarkIrpPending(Irp);
  KeRaiseIrql(DISPATCH_LEVEL, &old);  /* as a DPC would */
  IoQueueWorkItem(ext->WorkItem, WorkRoutine, DelayedWorkQueue, ext);
  KeLowerIrql(old);
  return STATUS_PENDING;
}

/* --- waits, timers -------------------------------------------------------------- */

static VOID SignalEvent(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2) {
  PDEVICE_EXTENSION ext = DeferredContext;
  UNREFERENCED_PARAMETER(Dpc);
  UNREFERENCED_PARAMETER(SystemArgument1);
  UNREFERENCED_PARAMETER(SystemArgument2);
  KeSetEvent(&ext->Event, IO_NO_INCREMENT, FALSE);
}

/* Wait for the event a timer's DPC signals after `DueMs`, with an optional timeout; returns the status, writes the wait's length (µs). */
static NTSTATUS WaitForSignal(PDEVICE_EXTENSION ext, LONGLONG DueMs, PLARGE_INTEGER Timeout, PULONG Microseconds) {
  LARGE_INTEGER due;
  due.QuadPart = DueMs * MS;
  KeInitializeEvent(&ext->Event, NotificationEvent, FALSE);
  KeSetTimer(&ext->Timer, due, &ext->Dpc);
  ULONGLONG before = KeQueryInterruptTime();
  NTSTATUS status = KeWaitForSingleObject(&ext->Event, Executive, KernelMode, FALSE, Timeout);
  *Microseconds = (ULONG)((KeQueryInterruptTime() - before) / 10);
  return status;
}

static NTSTATUS Waits(PDEVICE_EXTENSION ext, PIRP Irp) {
  PULONG out = Irp->AssociatedIrp.SystemBuffer;
  LARGE_INTEGER timeout;
  out[0] = WaitForSignal(ext, 2, NULL, &out[1]);       /* signalled after 2 ms */
  out[2] = KeReadStateEvent(&ext->Event);
  out[3] = KeResetEvent(&ext->Event);
  out[4] = KeReadStateEvent(&ext->Event);
  timeout.QuadPart = 1 * MS;
  out[5] = WaitForSignal(ext, 5, &timeout, &out[6]);   /* gives up after 1 ms */
  KeCancelTimer(&ext->Timer);
  KeClearEvent(&ext->Event);
  LARGE_INTEGER due;
  due.QuadPart = 1 * MS;
  KeSetTimer(&ext->Timer, due, NULL);
  out[7] = KeWaitForSingleObject(&ext->Timer, Executive, KernelMode, FALSE, NULL);  /* a timer is a dispatcher object too */
  out[8] = KeReadStateTimer(&ext->Timer);
  return Complete(Irp, STATUS_SUCCESS, 9 * sizeof(ULONG));
}

static VOID PeriodicTick(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2) {
  PDEVICE_EXTENSION ext = DeferredContext;
  UNREFERENCED_PARAMETER(Dpc);
  UNREFERENCED_PARAMETER(SystemArgument1);
  UNREFERENCED_PARAMETER(SystemArgument2);
  if (++ext->Ticks == 3) {
    KeCancelTimer(&ext->Periodic);
    KeSetEvent(&ext->Event, IO_NO_INCREMENT, FALSE);
  }
}

static NTSTATUS Periodic(PDEVICE_EXTENSION ext, PIRP Irp) {
  PULONG out = Irp->AssociatedIrp.SystemBuffer;
  LARGE_INTEGER due;
  due.QuadPart = 1 * MS;
  ext->Ticks = 0;
  KeInitializeEvent(&ext->Event, SynchronizationEvent, FALSE);
  ULONGLONG before = KeQueryInterruptTime();
  KeSetTimerEx(&ext->Periodic, due, 2, &ext->PeriodicDpc);  /* 1 ms, then every 2 ms */
  out[0] = KeWaitForSingleObject(&ext->Event, Executive, KernelMode, FALSE, NULL);
  out[1] = (ULONG)((KeQueryInterruptTime() - before) / 10);
  out[2] = ext->Ticks;
  out[3] = KeReadStateEvent(&ext->Event);  /* a synchronization event clears itself when a wait is satisfied */
  return Complete(Irp, STATUS_SUCCESS, 4 * sizeof(ULONG));
}

/* --- IRPs the driver allocates ------------------------------------------------- */

static NTSTATUS InternalReadDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  PDEVICE_EXTENSION ext = Context;
  UNREFERENCED_PARAMETER(DeviceObject);
  ext->CompletionCalls++;
  ext->CompletedInformation = (ULONG)Irp->IoStatus.Information;
  ext->CompletionContextRight = ext->Self->DeviceExtension == Context;
  return STATUS_MORE_PROCESSING_REQUIRED;  /* the IRP is ours: it goes back to IoReuseIrp or IoFreeIrp */
}

/* The read the driver sends itself: it doubles the length it was asked for, or passes it down, three times as long. */
static NTSTATUS Read(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
  if (stack->Parameters.Read.Length == FORWARDED_READ_LENGTH) {
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoGetNextIrpStackLocation(Irp)->Parameters.Read.Length *= 3;
    return IoCallDriver(DeviceObject, Irp);
  }
  return Complete(Irp, STATUS_SUCCESS, 2 * stack->Parameters.Read.Length);
}

/* Send the driver's own IRP down to this driver as a read of Length bytes, with the completion routine. */
static NTSTATUS SendOwnRead(PDEVICE_EXTENSION ext, PIRP Own, ULONG Length) {
  PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(Own);
  next->MajorFunction = IRP_MJ_READ;
  next->Parameters.Read.Length = Length;
  IoSetCompletionRoutine(Own, InternalReadDone, ext, TRUE, TRUE, TRUE);
  return IoCallDriver(ext->Self, Own);
}

static NTSTATUS SendIrp(PDEVICE_EXTENSION ext, PIRP Irp) {
  PULONG out = Irp->AssociatedIrp.SystemBuffer;
  PIRP own = IoAllocateIrp(2, FALSE);  /* one location per pass through this driver */
  if (!own) return Complete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
  out[0] = SendOwnRead(ext, own, INTERNAL_READ_LENGTH);
  out[1] = ext->CompletionCalls;
  out[2] = ext->CompletedInformation;
  out[3] = ext->CompletionContextRight;
  /* Again, after IoReuseIrp, with the current location copied down from a location the driver fills. */
  IoReuseIrp(own, STATUS_SUCCESS);
  out[4] = SendOwnRead(ext, own, 7);
  out[5] = ext->CompletionCalls;
  out[6] = ext->CompletedInformation;
  /* Once more, passed down by the read dispatch with IoCopyCurrentIrpStackLocationToNext. */
  IoReuseIrp(own, STATUS_SUCCESS);
  out[7] = SendOwnRead(ext, own, FORWARDED_READ_LENGTH);
  out[8] = ext->CompletionCalls;
  out[9] = ext->CompletedInformation;
  IoFreeIrp(own);
  return Complete(Irp, STATUS_SUCCESS, 10 * sizeof(ULONG));
}

/* --- contiguous memory ---------------------------------------------------------- */

static NTSTATUS ContiguousAllocate(PDEVICE_EXTENSION ext, PIRP Irp) {
  PULONG out = Irp->AssociatedIrp.SystemBuffer;
  PHYSICAL_ADDRESS lowest, highest, boundary;
  lowest.QuadPart = 0;
  highest.QuadPart = 0xFFFFFFFF;
  boundary.QuadPart = 0;
  ext->Contiguous = MmAllocateContiguousMemorySpecifyCache(2 * PAGE_SIZE, lowest, highest, boundary, MmCached);
  if (!ext->Contiguous) return Complete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
  PHYSICAL_ADDRESS first = MmGetPhysicalAddress(ext->Contiguous);
  PHYSICAL_ADDRESS second = MmGetPhysicalAddress(ext->Contiguous + PAGE_SIZE);
  out[0] = first.LowPart;
  out[1] = (ULONG)first.HighPart;
  out[2] = (ULONG)(second.QuadPart - first.QuadPart);
  out[3] = MmIsAddressValid(ext->Contiguous);
  PMDL mdl = IoAllocateMdl(ext->Contiguous, 2 * PAGE_SIZE, FALSE, FALSE, NULL);
  if (!mdl) return Complete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
  MmBuildMdlForNonPagedPool(mdl);
  PPFN_NUMBER pfns = MmGetMdlPfnArray(mdl);
  out[4] = (ULONG)pfns[0];
  out[5] = (ULONG)pfns[1];
  KeFlushIoBuffers(mdl, TRUE, TRUE);
  IoFreeMdl(mdl);
  ULONG local = 0;
  out[6] = MmIsAddressValid(&local);  /* the driver's own stack is resident */
  return Complete(Irp, STATUS_SUCCESS, 7 * sizeof(ULONG));
}

/* What the device wrote: the first 16 bytes, read by plain loads, and how many match the input. */
static NTSTATUS ContiguousRead(PDEVICE_EXTENSION ext, PIRP Irp) {
  PUCHAR buffer = Irp->AssociatedIrp.SystemBuffer;
  PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
  ULONG expected = stack->Parameters.DeviceIoControl.InputBufferLength;
  ULONG same = (ULONG)RtlCompareMemory(ext->Contiguous, buffer, expected);
  for (ULONG i = 0; i < 16; i++) buffer[i] = ext->Contiguous[i];
  *(PULONG)(buffer + 16) = same;
  MmFreeContiguousMemory(ext->Contiguous);
  ext->Contiguous = NULL;
  return Complete(Irp, STATUS_SUCCESS, 20);
}

/* --- interrupts ------------------------------------------------------------------ */

static BOOLEAN InterruptService(PKINTERRUPT Interrupt, PVOID ServiceContext) {
  PDEVICE_OBJECT device = ServiceContext;
  PDEVICE_EXTENSION ext = device->DeviceExtension;
  UNREFERENCED_PARAMETER(Interrupt);
  ext->IsrCalls++;
  return FALSE;  /* this driver starts no transfers: never its interrupt */
}

static BOOLEAN Synchronized(PVOID SynchronizeContext) {
  PULONG out = SynchronizeContext;
  out[1] = KeGetCurrentIrql();
  return TRUE;
}

static NTSTATUS Synchronize(PDEVICE_EXTENSION ext, PIRP Irp) {
  PULONG out = Irp->AssociatedIrp.SystemBuffer;
  out[0] = KeSynchronizeExecution(ext->Interrupt, Synchronized, out);
  out[2] = ext->InterruptIrql;
  out[3] = ext->IsrCalls;
  return Complete(Irp, STATUS_SUCCESS, 4 * sizeof(ULONG));
}

/* --- cancel-safe queue contexts, held IRPs ---------------------------------------- */

static NTSTATUS CsqQueue(PDEVICE_EXTENSION ext, PIRP Irp) {
  NTSTATUS status = IoCsqInsertIrpEx(&ext->Queue, Irp, &ext->QueuedContext, NULL);
  return NT_SUCCESS(status) ? STATUS_PENDING : status;
}

static NTSTATUS CsqTake(PDEVICE_EXTENSION ext, PIRP Irp) {
  PULONG out = Irp->AssociatedIrp.SystemBuffer;
  PIRP queued = IoCsqRemoveIrp(&ext->Queue, &ext->QueuedContext);
  out[0] = queued != NULL;
  if (queued) Complete(queued, STATUS_SUCCESS, 77);
  out[1] = IoCsqRemoveIrp(&ext->Queue, &ext->QueuedContext) != NULL;  /* the context names nothing now */
  return Complete(Irp, STATUS_SUCCESS, 2 * sizeof(ULONG));
}

/* Keep the IRP, with no cancel routine: the driver polls Irp->Cancel, as a driver with short-lived requests may. */
static NTSTATUS Hold(PDEVICE_EXTENSION ext, PIRP Irp) {
  IoMarkIrpPending(Irp);
  ext->Held = Irp;
  return STATUS_PENDING;
}

static NTSTATUS PollCancel(PDEVICE_EXTENSION ext, PIRP Irp) {
  PULONG out = Irp->AssociatedIrp.SystemBuffer;
  out[0] = ext->Held ? ext->Held->Cancel : 2;
  if (ext->Held && ext->Held->Cancel) {
    Complete(ext->Held, STATUS_CANCELLED, 0);
    ext->Held = NULL;
  }
  return Complete(Irp, STATUS_SUCCESS, sizeof(ULONG));
}

/* --- a bad function pointer ---------------------------------------------------------- */

typedef ULONG UNARY(ULONG);
static ULONG Twice(ULONG x) { return 2 * x; }
static VOID WorkNever(PDEVICE_OBJECT DeviceObject, PVOID Context) { UNREFERENCED_PARAMETER(DeviceObject); UNREFERENCED_PARAMETER(Context); }

/*
 * Input 0: call NULL; 1: an index past the function table; 2: a function of another type;
 * 3: give the kernel a pointer past the table to call; 4: give it a function of another type.
 */
static NTSTATUS BadPointer(PDEVICE_EXTENSION ext, PIRP Irp) {
  PULONG io = Irp->AssociatedIrp.SystemBuffer;
  volatile ULONG_PTR bits[3] = { 0, 0x7ffff, (ULONG_PTR)WorkNever };  /* volatile: the compiler cannot see what is called */
  ULONG which = io[0];
  if (which < 3) {
    UNARY *f = (UNARY *)bits[which];
    io[0] = f(21);
  } else if (which == 5) {
    PIRP volatile none = NULL;  /* a slot read past the end of a table of IRPs */
    IoSetCancelRoutine(none, NULL);
  } else {
    ext->WorkItem = IoAllocateWorkItem(ext->Self);
    PIO_WORKITEM_ROUTINE routine = (PIO_WORKITEM_ROUTINE)(which == 3 ? bits[1] : (ULONG_PTR)Twice);
    IoQueueWorkItem(ext->WorkItem, routine, DelayedWorkQueue, NULL);
  }
  return Complete(Irp, STATUS_SUCCESS, sizeof(ULONG));
}

/* --- the DPC IoInitializeDpcRequest set up -------------------------------------------- */

static VOID DpcForRequest(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  PULONG out = Irp->AssociatedIrp.SystemBuffer;
  UNREFERENCED_PARAMETER(Dpc);
  out[0] = KeGetCurrentIrql();
  out[1] = Irp == ext->DpcIrp;
  out[2] = Context == ext;
  ext->DpcIrp = NULL;
  Complete(Irp, STATUS_SUCCESS, 3 * sizeof(ULONG));
}

static NTSTATUS RequestDpc(PDEVICE_EXTENSION ext, PIRP Irp) {
  IoMarkIrpPending(Irp);
  ext->DpcIrp = Irp;
  IoRequestDpc(ext->Self, Irp, ext);
  return STATUS_PENDING;
}

/*
 * Programmed I/O: 16 bytes of the device's FIFO read through its data port, the first four
 * registers read as a buffer and one by one, the status port read at three widths, then the
 * input (the FIFO's next 16 bytes) written back through the FIFO register and the data port.
 */
static NTSTATUS ProgrammedIo(PDEVICE_EXTENSION ext, PIRP Irp) {
  PULONG io = Irp->AssociatedIrp.SystemBuffer;
  ULONG written[4];
  memcpy(written, io, sizeof written);
  READ_PORT_BUFFER_ULONG((PULONG)(ext->Ports + PORT_FIFO_DATA), &io[0], 4);
  READ_REGISTER_BUFFER_ULONG((volatile ULONG *)ext->Registers, &io[4], 4);
  io[8] = READ_REGISTER_ULONG((volatile ULONG *)ext->Registers);
  io[9] = READ_REGISTER_ULONG((volatile ULONG *)(ext->Registers + REG_STATUS));
  io[10] = READ_PORT_ULONG((PULONG)(ext->Ports + PORT_STATUS));
  io[11] = READ_PORT_UCHAR((PUCHAR)(ext->Ports + PORT_STATUS)) | (ULONG)READ_PORT_USHORT((PUSHORT)(ext->Ports + PORT_STATUS)) << 16;
  WRITE_REGISTER_BUFFER_ULONG((volatile ULONG *)(ext->Registers + REG_FIFO_DATA), &written[0], 1);
  WRITE_PORT_BUFFER_ULONG((PULONG)(ext->Ports + PORT_FIFO_DATA), &written[1], 2);
  WRITE_PORT_ULONG((PULONG)(ext->Ports + PORT_FIFO_DATA), written[3]);
  return Complete(Irp, STATUS_SUCCESS, 12 * sizeof(ULONG));
}

/* Input 1: create \DosDevices\KernelRoutinesLink for the device; 0: delete it. */
static NTSTATUS Link(PIRP Irp) {
  PULONG io = Irp->AssociatedIrp.SystemBuffer;
  io[0] = io[0] ? IoCreateSymbolicLink(&LinkName, &DeviceName) : IoDeleteSymbolicLink(&LinkName);
  return Complete(Irp, STATUS_SUCCESS, sizeof(ULONG));
}

/* Input: the physical address (low, high) and a length: map it with MmMapIoSpace; output 1 when it was mapped (and unmapped again), 0 for NULL. */
static NTSTATUS MapIoSpace(PIRP Irp) {
  PULONG io = Irp->AssociatedIrp.SystemBuffer;
  PHYSICAL_ADDRESS address;
  address.QuadPart = (LONGLONG)(((ULONGLONG)io[1] << 32) | io[0]);
  ULONG length = io[2];
  PVOID mapped = MmMapIoSpace(address, length, MmNonCached);
  if (mapped) MmUnmapIoSpace(mapped, length);
  io[0] = mapped != NULL;
  return Complete(Irp, STATUS_SUCCESS, sizeof(ULONG));
}

/* Input: an address and a size; output wdm.h's page arithmetic on them. */
static NTSTATUS PageArithmetic(PIRP Irp) {
  PULONG io = Irp->AssociatedIrp.SystemBuffer;
  PVOID va = (PVOID)(ULONG_PTR)io[0];
  SIZE_T size = io[1];
  io[0] = BYTE_OFFSET(va);
  io[1] = (ULONG)(ULONG_PTR)PAGE_ALIGN(va);
  io[2] = ADDRESS_AND_SIZE_TO_SPAN_PAGES(va, size);
  io[3] = BYTES_TO_PAGES(size);
  io[4] = (ULONG)ROUND_TO_PAGES(size);
  return Complete(Irp, STATUS_SUCCESS, 5 * sizeof(ULONG));
}

static NTSTATUS DeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  switch (IoGetCurrentIrpStackLocation(Irp)->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_WORK_ITEM: return QueueWork(ext, Irp);
    case IOCTL_WAIT: return Waits(ext, Irp);
    case IOCTL_PERIODIC: return Periodic(ext, Irp);
    case IOCTL_SEND_IRP: return SendIrp(ext, Irp);
    case IOCTL_CONTIGUOUS_ALLOCATE: return ContiguousAllocate(ext, Irp);
    case IOCTL_CONTIGUOUS_READ: return ContiguousRead(ext, Irp);
    case IOCTL_SYNCHRONIZE: return Synchronize(ext, Irp);
    case IOCTL_CSQ_QUEUE: return CsqQueue(ext, Irp);
    case IOCTL_CSQ_TAKE: return CsqTake(ext, Irp);
    case IOCTL_HOLD: return Hold(ext, Irp);
    case IOCTL_POLL_CANCEL: return PollCancel(ext, Irp);
    case IOCTL_BAD_POINTER: return BadPointer(ext, Irp);
    case IOCTL_DPC_REQUEST: return RequestDpc(ext, Irp);
    case IOCTL_PROGRAMMED_IO: return ProgrammedIo(ext, Irp);
    case IOCTL_LINK: return Link(Irp);
    case IOCTL_MAP_IO_SPACE: return MapIoSpace(Irp);
    case IOCTL_PAGE_ARITHMETIC: return PageArithmetic(Irp);
    default: return Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
  }
}

DRIVER_EXPORT(DriverEntry) NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  UNREFERENCED_PARAMETER(RegistryPath);
  DriverObject->MajorFunction[IRP_MJ_CREATE] = CreateClose;
  DriverObject->MajorFunction[IRP_MJ_CLOSE] = CreateClose;
  DriverObject->MajorFunction[IRP_MJ_READ] = Read;
  DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = DeviceControl;
  return STATUS_SUCCESS;
}

DRIVER_EXPORT(AddDevice) NTSTATUS AddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo) {
  PDEVICE_OBJECT device;
  NTSTATUS status = IoCreateDevice(DriverObject, sizeof(DEVICE_EXTENSION), &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &device);
  if (!NT_SUCCESS(status)) return status;
  PDEVICE_EXTENSION ext = device->DeviceExtension;
  ext->Self = device;
  KeInitializeTimer(&ext->Timer);
  KeInitializeDpc(&ext->Dpc, SignalEvent, ext);
  KeInitializeTimer(&ext->Periodic);
  KeInitializeDpc(&ext->PeriodicDpc, PeriodicTick, ext);
  IoCsqInitialize(&ext->Queue, NULL);
  IoInitializeDpcRequest(device, DpcForRequest);
  device->Flags |= DO_BUFFERED_IO;
  IoAttachDeviceToDeviceStack(device, Pdo);
  device->Flags &= ~DO_DEVICE_INITIALIZING;
  return STATUS_SUCCESS;
}

DRIVER_EXPORT(StartDevice) NTSTATUS StartDevice(PDEVICE_OBJECT DeviceObject, PCM_RESOURCE_LIST Resources) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  PCM_PARTIAL_RESOURCE_LIST list = &Resources->List[0].PartialResourceList;
  PCM_PARTIAL_RESOURCE_DESCRIPTOR interrupt = NULL;
  for (ULONG i = 0; i < list->Count; i++) {
    PCM_PARTIAL_RESOURCE_DESCRIPTOR d = &list->PartialDescriptors[i];
    if (d->Type == CmResourceTypeInterrupt) interrupt = d;
    if (d->Type == CmResourceTypePort && !ext->Ports) ext->Ports = d->u.Port.Start.LowPart;
    if (d->Type == CmResourceTypeMemory && !ext->Registers) ext->Registers = MmMapIoSpace(d->u.Memory.Start, REGISTERS_LENGTH, MmNonCached);
  }
  if (!interrupt || !ext->Ports || !ext->Registers) return STATUS_DEVICE_NOT_CONNECTED;
  ext->InterruptIrql = (KIRQL)interrupt->u.Interrupt.Level;
  return IoConnectInterrupt(&ext->Interrupt, InterruptService, DeviceObject, NULL, interrupt->u.Interrupt.Vector, ext->InterruptIrql, ext->InterruptIrql, LevelSensitive, TRUE, interrupt->u.Interrupt.Affinity, FALSE);
}

DRIVER_EXPORT(RemoveDevice) VOID RemoveDevice(PDEVICE_OBJECT DeviceObject) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  KeCancelTimer(&ext->Timer);
  KeCancelTimer(&ext->Periodic);
  if (ext->Interrupt) IoDisconnectInterrupt(ext->Interrupt);
  ext->Interrupt = NULL;
  if (ext->Registers) MmUnmapIoSpace(ext->Registers, REGISTERS_LENGTH);
  ext->Registers = NULL;
}
