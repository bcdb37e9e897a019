/*
 * wdm.h for drivers tested by dma-conformance: the names, types and call
 * shapes of the WDK's wdm.h for the routines and DMA operations the simulated
 * kernel offers, laid out for wasm32 (pointers, ULONG_PTR and SIZE_T are 4
 * bytes; PHYSICAL_ADDRESS stays 64-bit). README.md ("Testing a C driver")
 * lists where it differs from the WDK.
 *
 * The kernel's structures (IRP, IO_STACK_LOCATION, MDL, DEVICE_OBJECT,
 * DRIVER_OBJECT, DMA_ADAPTER, SCATTER_GATHER_LIST, CM_RESOURCE_LIST) are
 * written into the driver's memory by the host; the offsets below are the
 * host's (src/personalities/c-wasm/kernel-structures.ts), checked here.
 */
#pragma once

#define _In_
#define _Out_
#define _Inout_
#define _In_opt_
#define _Out_opt_
#define _Inout_opt_
#define _Use_decl_annotations_
#define UNREFERENCED_PARAMETER(P) ((void)(P))
#define FORCEINLINE static inline __attribute__((always_inline))
#define NULL ((void *)0)
#define TRUE 1
#define FALSE 0
#define VOID void

typedef void *PVOID;
typedef char CHAR, CCHAR, *PCHAR;
typedef unsigned char UCHAR, *PUCHAR, BOOLEAN, *PBOOLEAN, KIRQL, *PKIRQL;
typedef short SHORT, CSHORT;
typedef unsigned short USHORT, *PUSHORT, WCHAR, *PWCHAR, *PWSTR;
typedef int LONG, *PLONG, NTSTATUS;
typedef unsigned int ULONG, *PULONG, DEVICE_TYPE;
typedef long long LONGLONG;
typedef unsigned long long ULONGLONG;
typedef unsigned long ULONG_PTR, *PULONG_PTR, SIZE_T, KAFFINITY, KSPIN_LOCK, *PKSPIN_LOCK;
typedef CCHAR KPROCESSOR_MODE;

typedef union _LARGE_INTEGER {
  struct { ULONG LowPart; LONG HighPart; };
  struct { ULONG LowPart; LONG HighPart; } u;
  LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER, PHYSICAL_ADDRESS, *PPHYSICAL_ADDRESS;

typedef struct _UNICODE_STRING { USHORT Length; USHORT MaximumLength; PWSTR Buffer; } UNICODE_STRING, *PUNICODE_STRING;

#define NT_SUCCESS(Status) (((NTSTATUS)(Status)) >= 0)
#define STATUS_SUCCESS                 ((NTSTATUS)0x00000000L)
#define STATUS_TIMEOUT                 ((NTSTATUS)0x00000102L)
#define STATUS_PENDING                 ((NTSTATUS)0x00000103L)
#define STATUS_MORE_PROCESSING_REQUIRED ((NTSTATUS)0xC0000016L)
#define STATUS_UNSUCCESSFUL            ((NTSTATUS)0xC0000001L)
#define STATUS_NOT_IMPLEMENTED         ((NTSTATUS)0xC0000002L)
#define STATUS_INVALID_PARAMETER       ((NTSTATUS)0xC000000DL)
#define STATUS_ACCESS_VIOLATION        ((NTSTATUS)0xC0000005L)
#define STATUS_INVALID_DEVICE_REQUEST  ((NTSTATUS)0xC0000010L)
#define STATUS_INSUFFICIENT_RESOURCES  ((NTSTATUS)0xC000009AL)
#define STATUS_BUFFER_TOO_SMALL        ((NTSTATUS)0xC0000023L)
#define STATUS_IO_DEVICE_ERROR         ((NTSTATUS)0xC0000185L)
#define STATUS_DEVICE_NOT_CONNECTED    ((NTSTATUS)0xC000009DL)
#define STATUS_CANCELLED               ((NTSTATUS)0xC0000120L)

#define PAGE_SIZE 4096
#define PAGE_SHIFT 12
/* The page arithmetic of wdm.h. Pointers and SIZE_T are 32 bits here and 64 on x64: sums are taken in 64 bits,
   so a driver gets the x64 answer (a span near 4 GiB does not wrap). */
#define BYTE_OFFSET(Va) ((ULONG)((ULONG_PTR)(Va) & (PAGE_SIZE - 1)))
#define PAGE_ALIGN(Va) ((PVOID)((ULONG_PTR)(Va) & ~(ULONG_PTR)(PAGE_SIZE - 1)))
#define ROUND_TO_PAGES(Size) ((SIZE_T)(((ULONGLONG)(Size) + PAGE_SIZE - 1) & ~(ULONGLONG)(PAGE_SIZE - 1)))
#define BYTES_TO_PAGES(Size) ((ULONG)(((ULONGLONG)(Size) + PAGE_SIZE - 1) >> PAGE_SHIFT))
#define ADDRESS_AND_SIZE_TO_SPAN_PAGES(Va, Size) ((ULONG)(((ULONGLONG)BYTE_OFFSET(Va) + (ULONGLONG)(Size) + PAGE_SIZE - 1) >> PAGE_SHIFT))
#define PASSIVE_LEVEL 0
#define APC_LEVEL 1
#define DISPATCH_LEVEL 2

#define WDM_OFFSET_CHECK(type, field, offset) _Static_assert(__builtin_offsetof(type, field) == (offset), #type "." #field " must lie at " #offset " (the host's layout)")

/* --- imports and exports ---------------------------------------------------- */

#define WDM_KERNEL_IMPORT(name) __attribute__((import_module("kernel"), import_name(#name)))
#define WDM_DMA_IMPORT(name) __attribute__((import_module("dma"), import_name(#name)))
/* A routine the suite calls: DriverEntry, AddDevice, StartDevice, RemoveDevice, InterruptService, DpcForIsr, DriverUnload. */
#define DRIVER_EXPORT(name) __attribute__((export_name(#name)))

/*
 * The wall-clock watchdog (a driver routine that never returns is stopped and
 * named). The suite compiles drivers with
 * -fsanitize-coverage=trace-pc-guard,no-prune, which calls
 * __sanitizer_cov_trace_pc_guard in every basic block of the driver's code,
 * the body of every loop included; every 4096 blocks it asks the host whether
 * the routine's time is up. Code the host provides here is left out of the
 * instrumentation.
 */
#define WDM_NOT_INSTRUMENTED __attribute__((no_sanitize("coverage")))
__attribute__((import_module("watchdog"), import_name("check"))) void __wdm_watchdog_check(void);
WDM_NOT_INSTRUMENTED __attribute__((weak)) void __sanitizer_cov_trace_pc_guard(unsigned int *guard) {
  static unsigned int edges;
  (void)guard;
  if ((++edges & 0xfff) == 0) __wdm_watchdog_check();
}
WDM_NOT_INSTRUMENTED __attribute__((weak)) void __sanitizer_cov_trace_pc_guard_init(unsigned int *start, unsigned int *stop) { (void)start; (void)stop; }

/*
 * What the driver claims, read by the suite without running it (a custom
 * section): its name, the conformance classes it claims (comma-separated) and
 * one sentence for the report. No quotes or backslashes in the strings.
 */
#define DMA_CONFORMANCE_DRIVER(Name, Classes, Description) \
  __asm__(".section .custom_section.dma_conformance_driver,\"\",@\n" \
          ".ascii \"name=" Name "\\n\"\n" \
          ".ascii \"classes=" Classes "\\n\"\n" \
          ".ascii \"description=" Description "\\n\"\n" \
          ".text\n")

/*
 * The same claims for one of the suite's deliberately faulty drivers
 * (the .c files of src/conformance/CLASS/faulty/), plus the rule it breaks (e.g.
 * "SG-3"): the mutation check and the fuzzer's proof expect that rule to
 * reject it.
 */
#define DMA_CONFORMANCE_FAULTY_DRIVER(Name, Classes, Description, BreaksRule) \
  __asm__(".section .custom_section.dma_conformance_driver,\"\",@\n" \
          ".ascii \"name=" Name "\\n\"\n" \
          ".ascii \"classes=" Classes "\\n\"\n" \
          ".ascii \"description=" Description "\\n\"\n" \
          ".ascii \"breaksRule=" BreaksRule "\\n\"\n" \
          ".text\n")

/*
 * A faulty variant of a driver is that driver's sources plus one more file
 * that declares DMA_CONFORMANCE_FAULTY_DRIVER and defines, again, the one
 * routine that carries the bug (the suite's own faulty C drivers are variants
 * of their class's reference.c). A routine a variant may replace is marked
 * DMA_CONFORMANCE_REPLACEABLE in the driver: a weak definition, so the
 * variant's definition wins at link time, and the compiler keeps every call
 * to it a call. When a module carries both claims, the faulty driver's are
 * the module's.
 */
#define DMA_CONFORMANCE_REPLACEABLE __attribute__((weak, noinline))

/* --- memory: system addresses are plain C pointers ------------------------------ */

WDM_NOT_INSTRUMENTED __attribute__((weak)) void *memcpy(void *d, const void *s, SIZE_T n) { UCHAR *o = d; const UCHAR *i = s; while (n--) *o++ = *i++; return d; }
WDM_NOT_INSTRUMENTED __attribute__((weak)) void *memmove(void *d, const void *s, SIZE_T n) {
  UCHAR *o = d; const UCHAR *i = s;
  if (o < i) { while (n--) *o++ = *i++; } else { o += n; i += n; while (n--) *--o = *--i; }
  return d;
}
WDM_NOT_INSTRUMENTED __attribute__((weak)) void *memset(void *d, int c, SIZE_T n) { UCHAR *o = d; while (n--) *o++ = (UCHAR)c; return d; }
WDM_NOT_INSTRUMENTED __attribute__((weak)) int memcmp(const void *a, const void *b, SIZE_T n) {
  const UCHAR *x = a, *y = b;
  for (; n; n--, x++, y++) if (*x != *y) return *x - *y;
  return 0;
}
/*
 * The CPU's copies of system memory cost simulated time, non-cached memory
 * more (CONT-7): RtlCopyMemory and RtlMoveMemory are made by the host, which
 * charges them (ranges may overlap). A plain memcpy, or a load or store, of
 * the same memory costs nothing.
 */
WDM_KERNEL_IMPORT(RtlCopyMemory) VOID RtlCopyMemory(PVOID Destination, const VOID *Source, SIZE_T Length);
WDM_KERNEL_IMPORT(RtlMoveMemory) VOID RtlMoveMemory(PVOID Destination, const VOID *Source, SIZE_T Length);
#define RtlZeroMemory(Destination, Length) memset((Destination), 0, (Length))
#define RtlFillMemory(Destination, Length, Fill) memset((Destination), (Fill), (Length))
#define RtlEqualMemory(Source1, Source2, Length) (!memcmp((Source1), (Source2), (Length)))
/* How many leading bytes are equal: C's own loads, as over any memory C may dereference. */
WDM_NOT_INSTRUMENTED __attribute__((weak)) SIZE_T RtlCompareMemory(const VOID *Source1, const VOID *Source2, SIZE_T Length) {
  const UCHAR *x = Source1, *y = Source2;
  SIZE_T n = 0;
  while (n < Length && x[n] == y[n]) n++;
  return n;
}
#define CONTAINING_RECORD(Address, Type, Field) ((Type *)((PCHAR)(Address) - __builtin_offsetof(Type, Field)))

/* --- kernel structures ------------------------------------------------------------ */

typedef struct _MDL {
  struct _MDL *Next;
  CSHORT Size;
  CSHORT MdlFlags;
  PVOID Process;
  PVOID MappedSystemVa;
  PVOID StartVa;          /* a user address here cannot be dereferenced: only passed back to the kernel */
  ULONG ByteCount;
  ULONG ByteOffset;
} MDL, *PMDL;
WDM_OFFSET_CHECK(MDL, MappedSystemVa, 12);
WDM_OFFSET_CHECK(MDL, ByteOffset, 24);
#define MDL_MAPPED_TO_SYSTEM_VA 0x0001
#define MDL_PAGES_LOCKED 0x0002
#define MDL_SOURCE_IS_NONPAGED_POOL 0x0004
#define MDL_PARTIAL 0x0010
#define MmGetMdlVirtualAddress(Mdl) ((PVOID)((PCHAR)((Mdl)->StartVa) + (Mdl)->ByteOffset))
#define MmGetMdlByteCount(Mdl) ((Mdl)->ByteCount)
#define MmGetMdlByteOffset(Mdl) ((Mdl)->ByteOffset)
/* The PFN array follows the header, as in the WDK; the host fills it when the pages are locked or built. */
typedef ULONG_PTR PFN_NUMBER, *PPFN_NUMBER;
_Static_assert(sizeof(MDL) == 28, "MDL's header is 28 bytes on wasm32 (the host writes the PFN array after it)");
#define MmGetMdlPfnArray(Mdl) ((PPFN_NUMBER)((Mdl) + 1))

typedef struct _IO_STATUS_BLOCK { union { NTSTATUS Status; PVOID Pointer; }; ULONG_PTR Information; } IO_STATUS_BLOCK, *PIO_STATUS_BLOCK;

struct _DEVICE_OBJECT;
struct _DRIVER_OBJECT;
struct _IRP;
typedef struct _FILE_OBJECT { CSHORT Type; CSHORT Size; struct _DEVICE_OBJECT *DeviceObject; PVOID FsContext; PVOID FsContext2; } FILE_OBJECT, *PFILE_OBJECT;

typedef NTSTATUS IO_COMPLETION_ROUTINE(struct _DEVICE_OBJECT *DeviceObject, struct _IRP *Irp, PVOID Context);
typedef IO_COMPLETION_ROUTINE *PIO_COMPLETION_ROUTINE;

typedef struct _IO_STACK_LOCATION {
  UCHAR MajorFunction;
  UCHAR MinorFunction;
  UCHAR Flags;
  UCHAR Control;
  union {
    struct { ULONG Length; ULONG Key; LARGE_INTEGER ByteOffset; } Read;
    struct { ULONG Length; ULONG Key; LARGE_INTEGER ByteOffset; } Write;
    struct { ULONG OutputBufferLength; ULONG InputBufferLength; ULONG IoControlCode; PVOID Type3InputBuffer; } DeviceIoControl;
    struct { PVOID SecurityContext; ULONG Options; USHORT FileAttributes; USHORT ShareAccess; } Create;
  } Parameters;
  struct _DEVICE_OBJECT *DeviceObject;
  PFILE_OBJECT FileObject;
  PIO_COMPLETION_ROUTINE CompletionRoutine;  /* set through IoSetCompletionRoutine, which tells the kernel */
  PVOID Context;
} IO_STACK_LOCATION, *PIO_STACK_LOCATION;
_Static_assert(sizeof(IO_STACK_LOCATION) == 40, "IO_STACK_LOCATION is 40 bytes on wasm32 (the host's layout)");
#define SL_PENDING_RETURNED 0x01
#define SL_INVOKE_ON_CANCEL 0x20
#define SL_INVOKE_ON_SUCCESS 0x40
#define SL_INVOKE_ON_ERROR 0x80
WDM_OFFSET_CHECK(IO_STACK_LOCATION, Parameters.Read.Length, 8);
WDM_OFFSET_CHECK(IO_STACK_LOCATION, Parameters.Read.ByteOffset, 16);
WDM_OFFSET_CHECK(IO_STACK_LOCATION, Parameters.DeviceIoControl.IoControlCode, 16);
WDM_OFFSET_CHECK(IO_STACK_LOCATION, FileObject, 28);

typedef VOID DRIVER_CANCEL(struct _DEVICE_OBJECT *DeviceObject, struct _IRP *Irp);
typedef DRIVER_CANCEL *PDRIVER_CANCEL;

typedef struct _IRP {
  CSHORT Type;
  USHORT Size;
  PMDL MdlAddress;
  ULONG Flags;
  union { struct _IRP *MasterIrp; LONG IrpCount; PVOID SystemBuffer; } AssociatedIrp;
  IO_STATUS_BLOCK IoStatus;   /* the driver writes Status and Information; the kernel reads them when the IRP is passed back */
  KPROCESSOR_MODE RequestorMode;
  BOOLEAN PendingReturned;
  CHAR StackCount;
  CHAR CurrentLocation;
  BOOLEAN Cancel;
  KIRQL CancelIrql;
  PDRIVER_CANCEL CancelRoutine;
  PVOID UserBuffer;           /* a user address: passed back to the kernel, never dereferenced */
  union {
    struct {
      PVOID DriverContext[4]; /* the driver's own: the host never writes it */
      PVOID Thread;
      PIO_STACK_LOCATION CurrentStackLocation;
      PFILE_OBJECT OriginalFileObject;
    } Overlay;
  } Tail;
} IRP, *PIRP;
WDM_OFFSET_CHECK(IRP, IoStatus.Status, 16);
WDM_OFFSET_CHECK(IRP, IoStatus.Information, 20);
WDM_OFFSET_CHECK(IRP, Cancel, 28);
WDM_OFFSET_CHECK(IRP, UserBuffer, 36);
WDM_OFFSET_CHECK(IRP, Tail.Overlay.CurrentStackLocation, 60);

/* The stack locations follow the IRP (from offset 72, the host's layout), the current one at Tail.Overlay.CurrentStackLocation. */
FORCEINLINE PIO_STACK_LOCATION IoGetCurrentIrpStackLocation(PIRP Irp) { return Irp->Tail.Overlay.CurrentStackLocation; }
FORCEINLINE PIO_STACK_LOCATION IoGetNextIrpStackLocation(PIRP Irp) { return Irp->Tail.Overlay.CurrentStackLocation - 1; }
FORCEINLINE VOID IoCopyCurrentIrpStackLocationToNext(PIRP Irp) {
  PIO_STACK_LOCATION irpSp = IoGetCurrentIrpStackLocation(Irp);
  PIO_STACK_LOCATION nextIrpSp = IoGetNextIrpStackLocation(Irp);
  memcpy(nextIrpSp, irpSp, __builtin_offsetof(IO_STACK_LOCATION, CompletionRoutine));
  nextIrpSp->Control = 0;
}

#define IRP_MJ_CREATE 0x00
#define IRP_MJ_CLOSE 0x02
#define IRP_MJ_READ 0x03
#define IRP_MJ_WRITE 0x04
#define IRP_MJ_FLUSH_BUFFERS 0x09
#define IRP_MJ_DEVICE_CONTROL 0x0e
#define IRP_MJ_INTERNAL_DEVICE_CONTROL 0x0f
#define IRP_MJ_CLEANUP 0x12
#define IRP_MJ_POWER 0x16
#define IRP_MJ_PNP 0x1b
#define IRP_MJ_MAXIMUM_FUNCTION 0x1b
#define IO_NO_INCREMENT 0

typedef NTSTATUS DRIVER_DISPATCH(struct _DEVICE_OBJECT *DeviceObject, PIRP Irp);
typedef DRIVER_DISPATCH *PDRIVER_DISPATCH;
typedef VOID DRIVER_UNLOAD(struct _DRIVER_OBJECT *DriverObject);
typedef DRIVER_UNLOAD *PDRIVER_UNLOAD;

typedef struct _DRIVER_OBJECT {
  CSHORT Type;
  CSHORT Size;
  struct _DEVICE_OBJECT *DeviceObject;
  ULONG Flags;
  PVOID DriverStart;
  ULONG DriverSize;
  PVOID DriverSection;
  PVOID DriverExtension;
  UNICODE_STRING DriverName;
  PUNICODE_STRING HardwareDatabase;
  PVOID FastIoDispatch;
  PVOID DriverInit;
  PVOID DriverStartIo;
  PDRIVER_UNLOAD DriverUnload;
  PDRIVER_DISPATCH MajorFunction[IRP_MJ_MAXIMUM_FUNCTION + 1];  /* read by the host when DriverEntry returns */
} DRIVER_OBJECT, *PDRIVER_OBJECT;
WDM_OFFSET_CHECK(DRIVER_OBJECT, MajorFunction, 56);

typedef struct _DEVICE_OBJECT {
  CSHORT Type;
  USHORT Size;
  LONG ReferenceCount;
  struct _DRIVER_OBJECT *DriverObject;
  struct _DEVICE_OBJECT *NextDevice;
  struct _DEVICE_OBJECT *AttachedDevice;
  struct _IRP *CurrentIrp;
  PVOID Timer;
  ULONG Flags;                /* the driver sets DO_DIRECT_IO and clears DO_DEVICE_INITIALIZING; read back by the host */
  ULONG Characteristics;
  PVOID Vpb;
  PVOID DeviceExtension;      /* DeviceExtensionSize bytes of the driver's own memory, zeroed */
  DEVICE_TYPE DeviceType;
  CCHAR StackSize;
  ULONG AlignmentRequirement;
} DEVICE_OBJECT, *PDEVICE_OBJECT;
WDM_OFFSET_CHECK(DEVICE_OBJECT, Flags, 28);
WDM_OFFSET_CHECK(DEVICE_OBJECT, DeviceExtension, 40);
#define DO_BUFFERED_IO 0x0004
#define DO_DIRECT_IO 0x0010
#define DO_DEVICE_INITIALIZING 0x0080
#define DO_POWER_PAGABLE 0x2000
#define FILE_DEVICE_UNKNOWN 0x00000022
#define METHOD_BUFFERED 0
#define METHOD_IN_DIRECT 1
#define METHOD_OUT_DIRECT 2
#define METHOD_NEITHER 3
#define FILE_ANY_ACCESS 0
#define FILE_READ_ACCESS 0x0001
#define FILE_WRITE_ACCESS 0x0002
#define CTL_CODE(DeviceType, Function, Method, Access) (((DeviceType) << 16) | ((Access) << 14) | ((Function) << 2) | (Method))

/* Resources StartDevice receives (the translated list). */
#define CmResourceTypePort 1
#define CmResourceTypeInterrupt 2
#define CmResourceTypeMemory 3
typedef struct _CM_PARTIAL_RESOURCE_DESCRIPTOR {
  UCHAR Type;
  UCHAR ShareDisposition;
  USHORT Flags;
  union {
    struct { PHYSICAL_ADDRESS Start; ULONG Length; } Generic;
    struct { PHYSICAL_ADDRESS Start; ULONG Length; } Port;
    struct { PHYSICAL_ADDRESS Start; ULONG Length; } Memory;
    struct { ULONG Level; ULONG Vector; KAFFINITY Affinity; } Interrupt;
  } u;
} CM_PARTIAL_RESOURCE_DESCRIPTOR, *PCM_PARTIAL_RESOURCE_DESCRIPTOR;
typedef struct _CM_PARTIAL_RESOURCE_LIST { USHORT Version; USHORT Revision; ULONG Count; CM_PARTIAL_RESOURCE_DESCRIPTOR PartialDescriptors[1]; } CM_PARTIAL_RESOURCE_LIST, *PCM_PARTIAL_RESOURCE_LIST;
typedef struct _CM_FULL_RESOURCE_DESCRIPTOR { ULONG InterfaceType; ULONG BusNumber; CM_PARTIAL_RESOURCE_LIST PartialResourceList; } CM_FULL_RESOURCE_DESCRIPTOR, *PCM_FULL_RESOURCE_DESCRIPTOR;
typedef struct _CM_RESOURCE_LIST { ULONG Count; CM_FULL_RESOURCE_DESCRIPTOR List[1]; } CM_RESOURCE_LIST, *PCM_RESOURCE_LIST;
_Static_assert(sizeof(CM_PARTIAL_RESOURCE_DESCRIPTOR) == 24, "CM_PARTIAL_RESOURCE_DESCRIPTOR is 24 bytes on wasm32");
WDM_OFFSET_CHECK(CM_RESOURCE_LIST, List[0].PartialResourceList.PartialDescriptors, 24);

/* --- kernel objects the driver stores: opaque to C, found by address by the host ---- */

typedef struct _KDPC { ULONG_PTR Opaque[8]; } KDPC, *PKDPC, *PRKDPC;
typedef struct _KTIMER { ULONG_PTR Opaque[10]; } KTIMER, *PKTIMER;
typedef struct _KEVENT { ULONG_PTR Opaque[4]; } KEVENT, *PKEVENT, *PRKEVENT;
typedef struct _IO_CSQ { ULONG_PTR Opaque[8]; } IO_CSQ, *PIO_CSQ;
typedef struct _IO_CSQ_IRP_CONTEXT { ULONG_PTR Opaque[4]; } IO_CSQ_IRP_CONTEXT, *PIO_CSQ_IRP_CONTEXT;
typedef struct _KINTERRUPT *PKINTERRUPT;

typedef VOID KDEFERRED_ROUTINE(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2);
typedef KDEFERRED_ROUTINE *PKDEFERRED_ROUTINE;
typedef VOID IO_DPC_ROUTINE(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context);
typedef IO_DPC_ROUTINE *PIO_DPC_ROUTINE;
typedef BOOLEAN KSERVICE_ROUTINE(PKINTERRUPT Interrupt, PVOID ServiceContext);
typedef KSERVICE_ROUTINE *PKSERVICE_ROUTINE;
typedef BOOLEAN KSYNCHRONIZE_ROUTINE(PVOID SynchronizeContext);
typedef KSYNCHRONIZE_ROUTINE *PKSYNCHRONIZE_ROUTINE;
typedef enum _KINTERRUPT_MODE { LevelSensitive = 0, Latched = 1 } KINTERRUPT_MODE;
typedef struct _IO_WORKITEM *PIO_WORKITEM;
typedef VOID IO_WORKITEM_ROUTINE(PDEVICE_OBJECT DeviceObject, PVOID Context);
typedef IO_WORKITEM_ROUTINE *PIO_WORKITEM_ROUTINE;
typedef enum _WORK_QUEUE_TYPE { CriticalWorkQueue = 0, DelayedWorkQueue = 1, HyperCriticalWorkQueue = 2 } WORK_QUEUE_TYPE;
typedef enum _EVENT_TYPE { NotificationEvent = 0, SynchronizationEvent = 1 } EVENT_TYPE;
typedef enum _KWAIT_REASON { Executive = 0, UserRequest = 6 } KWAIT_REASON;
typedef VOID IO_CSQ_COMPLETE_CANCELED_IRP(PIO_CSQ Csq, PIRP Irp);
typedef IO_CSQ_COMPLETE_CANCELED_IRP *PIO_CSQ_COMPLETE_CANCELED_IRP;

/* --- DMA ------------------------------------------------------------------------------- */

typedef enum _INTERFACE_TYPE { Internal = 0, Isa = 1, PCIBus = 5, PNPBus = 15 } INTERFACE_TYPE;
typedef enum _DMA_WIDTH { Width8Bits, Width16Bits, Width32Bits, Width64Bits, WidthNoWrap, MaximumDmaWidth } DMA_WIDTH;
typedef enum _DMA_SPEED { Compatible, TypeA, TypeB, TypeC, TypeF, MaximumDmaSpeed } DMA_SPEED;
#define DEVICE_DESCRIPTION_VERSION 0
#define DEVICE_DESCRIPTION_VERSION1 1
#define DEVICE_DESCRIPTION_VERSION2 2
#define DEVICE_DESCRIPTION_VERSION3 3
typedef struct _DEVICE_DESCRIPTION {
  ULONG Version;
  BOOLEAN Master;
  BOOLEAN ScatterGather;
  BOOLEAN DemandMode;
  BOOLEAN AutoInitialize;
  BOOLEAN Dma32BitAddresses;
  BOOLEAN IgnoreCount;
  BOOLEAN Reserved1;
  BOOLEAN Dma64BitAddresses;
  ULONG BusNumber;
  ULONG DmaChannel;
  INTERFACE_TYPE InterfaceType;
  DMA_WIDTH DmaWidth;
  DMA_SPEED DmaSpeed;
  ULONG MaximumLength;
  ULONG DmaPort;
  ULONG DmaAddressWidth;
  ULONG DmaControllerInstance;
  ULONG DmaRequestLine;
  PHYSICAL_ADDRESS DeviceAddress;
} DEVICE_DESCRIPTION, *PDEVICE_DESCRIPTION;
WDM_OFFSET_CHECK(DEVICE_DESCRIPTION, Dma64BitAddresses, 11);
WDM_OFFSET_CHECK(DEVICE_DESCRIPTION, InterfaceType, 20);
WDM_OFFSET_CHECK(DEVICE_DESCRIPTION, MaximumLength, 32);

typedef struct _SCATTER_GATHER_ELEMENT { PHYSICAL_ADDRESS Address; ULONG Length; ULONG_PTR Reserved; } SCATTER_GATHER_ELEMENT, *PSCATTER_GATHER_ELEMENT;
typedef struct _SCATTER_GATHER_LIST { ULONG NumberOfElements; ULONG_PTR Reserved; SCATTER_GATHER_ELEMENT Elements[]; } SCATTER_GATHER_LIST, *PSCATTER_GATHER_LIST;
_Static_assert(sizeof(SCATTER_GATHER_ELEMENT) == 16, "SCATTER_GATHER_ELEMENT is 16 bytes on wasm32 (24 on x64)");
WDM_OFFSET_CHECK(SCATTER_GATHER_LIST, Elements, 8);

struct _DMA_ADAPTER;
typedef VOID DRIVER_LIST_CONTROL(PDEVICE_OBJECT DeviceObject, PIRP Irp, PSCATTER_GATHER_LIST ScatterGather, PVOID Context);
typedef DRIVER_LIST_CONTROL *PDRIVER_LIST_CONTROL;
typedef enum _IO_ALLOCATION_ACTION { KeepObject = 1, DeallocateObject, DeallocateObjectKeepRegisters } IO_ALLOCATION_ACTION;
typedef IO_ALLOCATION_ACTION DRIVER_CONTROL(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID MapRegisterBase, PVOID Context);
typedef DRIVER_CONTROL *PDRIVER_CONTROL;

typedef struct _DMA_OPERATIONS {
  ULONG Size;
  VOID (*PutDmaAdapter)(struct _DMA_ADAPTER *DmaAdapter);
  PVOID (*AllocateCommonBuffer)(struct _DMA_ADAPTER *DmaAdapter, ULONG Length, PPHYSICAL_ADDRESS LogicalAddress, BOOLEAN CacheEnabled);
  VOID (*FreeCommonBuffer)(struct _DMA_ADAPTER *DmaAdapter, ULONG Length, PHYSICAL_ADDRESS LogicalAddress, PVOID VirtualAddress, BOOLEAN CacheEnabled);
  NTSTATUS (*AllocateAdapterChannel)(struct _DMA_ADAPTER *DmaAdapter, PDEVICE_OBJECT DeviceObject, ULONG NumberOfMapRegisters, PDRIVER_CONTROL ExecutionRoutine, PVOID Context);
  BOOLEAN (*FlushAdapterBuffers)(struct _DMA_ADAPTER *DmaAdapter, PMDL Mdl, PVOID MapRegisterBase, PVOID CurrentVa, ULONG Length, BOOLEAN WriteToDevice);
  VOID (*FreeAdapterChannel)(struct _DMA_ADAPTER *DmaAdapter);
  VOID (*FreeMapRegisters)(struct _DMA_ADAPTER *DmaAdapter, PVOID MapRegisterBase, ULONG NumberOfMapRegisters);
  PHYSICAL_ADDRESS (*MapTransfer)(struct _DMA_ADAPTER *DmaAdapter, PMDL Mdl, PVOID MapRegisterBase, PVOID CurrentVa, PULONG Length, BOOLEAN WriteToDevice);
  ULONG (*GetDmaAlignment)(struct _DMA_ADAPTER *DmaAdapter);
  ULONG (*ReadDmaCounter)(struct _DMA_ADAPTER *DmaAdapter);
  NTSTATUS (*GetScatterGatherList)(struct _DMA_ADAPTER *DmaAdapter, PDEVICE_OBJECT DeviceObject, PMDL Mdl, PVOID CurrentVa, ULONG Length, PDRIVER_LIST_CONTROL ExecutionRoutine, PVOID Context, BOOLEAN WriteToDevice);
  VOID (*PutScatterGatherList)(struct _DMA_ADAPTER *DmaAdapter, PSCATTER_GATHER_LIST ScatterGather, BOOLEAN WriteToDevice);
  NTSTATUS (*CalculateScatterGatherList)(struct _DMA_ADAPTER *DmaAdapter, PMDL Mdl, PVOID CurrentVa, ULONG Length, PULONG ScatterGatherListSize, PULONG NumberOfMapRegisters);
  NTSTATUS (*BuildScatterGatherList)(struct _DMA_ADAPTER *DmaAdapter, PDEVICE_OBJECT DeviceObject, PMDL Mdl, PVOID CurrentVa, ULONG Length, PDRIVER_LIST_CONTROL ExecutionRoutine, PVOID Context, BOOLEAN WriteToDevice, PVOID ScatterGatherBuffer, ULONG ScatterGatherLength);
} DMA_OPERATIONS, *PDMA_OPERATIONS;

typedef struct _DMA_ADAPTER { USHORT Version; USHORT Size; PDMA_OPERATIONS DmaOperations; } DMA_ADAPTER, *PDMA_ADAPTER;
WDM_OFFSET_CHECK(DMA_ADAPTER, DmaOperations, 4);

/* The DMA operations are kernel imports; the host points every adapter's DmaOperations at this table. */
#define WDM_DMA_OPERATION(ret, name, params) WDM_DMA_IMPORT(name) ret __dma_##name params;
WDM_DMA_OPERATION(VOID, PutDmaAdapter, (PDMA_ADAPTER))
WDM_DMA_OPERATION(PVOID, AllocateCommonBuffer, (PDMA_ADAPTER, ULONG, PPHYSICAL_ADDRESS, BOOLEAN))
WDM_DMA_OPERATION(VOID, FreeCommonBuffer, (PDMA_ADAPTER, ULONG, PHYSICAL_ADDRESS, PVOID, BOOLEAN))
WDM_DMA_OPERATION(NTSTATUS, AllocateAdapterChannel, (PDMA_ADAPTER, PDEVICE_OBJECT, ULONG, PDRIVER_CONTROL, PVOID))
WDM_DMA_OPERATION(BOOLEAN, FlushAdapterBuffers, (PDMA_ADAPTER, PMDL, PVOID, PVOID, ULONG, BOOLEAN))
WDM_DMA_OPERATION(VOID, FreeAdapterChannel, (PDMA_ADAPTER))
WDM_DMA_OPERATION(VOID, FreeMapRegisters, (PDMA_ADAPTER, PVOID, ULONG))
WDM_DMA_OPERATION(PHYSICAL_ADDRESS, MapTransfer, (PDMA_ADAPTER, PMDL, PVOID, PVOID, PULONG, BOOLEAN))
WDM_DMA_OPERATION(ULONG, GetDmaAlignment, (PDMA_ADAPTER))
WDM_DMA_OPERATION(ULONG, ReadDmaCounter, (PDMA_ADAPTER))
WDM_DMA_OPERATION(NTSTATUS, GetScatterGatherList, (PDMA_ADAPTER, PDEVICE_OBJECT, PMDL, PVOID, ULONG, PDRIVER_LIST_CONTROL, PVOID, BOOLEAN))
WDM_DMA_OPERATION(VOID, PutScatterGatherList, (PDMA_ADAPTER, PSCATTER_GATHER_LIST, BOOLEAN))
WDM_DMA_OPERATION(NTSTATUS, CalculateScatterGatherList, (PDMA_ADAPTER, PMDL, PVOID, ULONG, PULONG, PULONG))
WDM_DMA_OPERATION(NTSTATUS, BuildScatterGatherList, (PDMA_ADAPTER, PDEVICE_OBJECT, PMDL, PVOID, ULONG, PDRIVER_LIST_CONTROL, PVOID, BOOLEAN, PVOID, ULONG))
__attribute__((weak, export_name("__wdm_dma_operations"))) PDMA_OPERATIONS __wdm_dma_operations(void) {
  static DMA_OPERATIONS operations = {
    sizeof(DMA_OPERATIONS), __dma_PutDmaAdapter, __dma_AllocateCommonBuffer, __dma_FreeCommonBuffer, __dma_AllocateAdapterChannel,
    __dma_FlushAdapterBuffers, __dma_FreeAdapterChannel, __dma_FreeMapRegisters, __dma_MapTransfer, __dma_GetDmaAlignment,
    __dma_ReadDmaCounter, __dma_GetScatterGatherList, __dma_PutScatterGatherList, __dma_CalculateScatterGatherList, __dma_BuildScatterGatherList,
  };
  return &operations;
}

/* --- kernel routines ----------------------------------------------------------------------- */

typedef enum _POOL_TYPE { NonPagedPool = 0, PagedPool = 1, NonPagedPoolNx = 512 } POOL_TYPE;
typedef enum _LOCK_OPERATION { IoReadAccess = 0, IoWriteAccess = 1, IoModifyAccess = 2 } LOCK_OPERATION;
typedef enum _MODE { KernelMode = 0, UserMode = 1 } MODE;
typedef enum _MM_PAGE_PRIORITY { LowPagePriority = 0, NormalPagePriority = 16, HighPagePriority = 32 } MM_PAGE_PRIORITY;
#define MdlMappingNoExecute 0x40000000
typedef enum _MEMORY_CACHING_TYPE { MmNonCached = 0, MmCached = 1, MmWriteCombined = 2 } MEMORY_CACHING_TYPE;
typedef enum _BUS_DATA_TYPE { PCIConfiguration = 4 } BUS_DATA_TYPE;
typedef enum _DEVICE_REGISTRY_PROPERTY { DevicePropertyBusNumber = 0xE, DevicePropertyAddress = 0x10 } DEVICE_REGISTRY_PROPERTY;

WDM_KERNEL_IMPORT(IoCreateDevice) NTSTATUS IoCreateDevice(PDRIVER_OBJECT DriverObject, ULONG DeviceExtensionSize, PUNICODE_STRING DeviceName, DEVICE_TYPE DeviceType, ULONG DeviceCharacteristics, BOOLEAN Exclusive, PDEVICE_OBJECT *DeviceObject);
WDM_KERNEL_IMPORT(IoDeleteDevice) VOID IoDeleteDevice(PDEVICE_OBJECT DeviceObject);
WDM_KERNEL_IMPORT(IoAttachDeviceToDeviceStack) PDEVICE_OBJECT IoAttachDeviceToDeviceStack(PDEVICE_OBJECT SourceDevice, PDEVICE_OBJECT TargetDevice);
WDM_KERNEL_IMPORT(IoDetachDevice) VOID IoDetachDevice(PDEVICE_OBJECT TargetDevice);
WDM_KERNEL_IMPORT(IoCreateSymbolicLink) NTSTATUS IoCreateSymbolicLink(PUNICODE_STRING SymbolicLinkName, PUNICODE_STRING DeviceName);
WDM_KERNEL_IMPORT(IoDeleteSymbolicLink) NTSTATUS IoDeleteSymbolicLink(PUNICODE_STRING SymbolicLinkName);
WDM_KERNEL_IMPORT(IoGetDeviceProperty) NTSTATUS IoGetDeviceProperty(PDEVICE_OBJECT DeviceObject, DEVICE_REGISTRY_PROPERTY DeviceProperty, ULONG BufferLength, PVOID PropertyBuffer, PULONG ResultLength);

WDM_KERNEL_IMPORT(IoCompleteRequest) VOID IoCompleteRequest(PIRP Irp, CCHAR PriorityBoost);
WDM_KERNEL_IMPORT(IoMarkIrpPending) VOID IoMarkIrpPending(PIRP Irp);
WDM_KERNEL_IMPORT(IoCallDriver) NTSTATUS IoCallDriver(PDEVICE_OBJECT DeviceObject, PIRP Irp);
WDM_KERNEL_IMPORT(IoSkipCurrentIrpStackLocation) VOID IoSkipCurrentIrpStackLocation(PIRP Irp);

WDM_KERNEL_IMPORT(IoSetCancelRoutine) PDRIVER_CANCEL IoSetCancelRoutine(PIRP Irp, PDRIVER_CANCEL CancelRoutine);
WDM_KERNEL_IMPORT(IoAcquireCancelSpinLock) VOID IoAcquireCancelSpinLock(PKIRQL Irql);
WDM_KERNEL_IMPORT(IoReleaseCancelSpinLock) VOID IoReleaseCancelSpinLock(KIRQL Irql);
WDM_KERNEL_IMPORT(IoCancelIrp) BOOLEAN IoCancelIrp(PIRP Irp);

WDM_KERNEL_IMPORT(IoAllocateIrp) PIRP IoAllocateIrp(CCHAR StackSize, BOOLEAN ChargeQuota);
WDM_KERNEL_IMPORT(IoFreeIrp) VOID IoFreeIrp(PIRP Irp);
WDM_KERNEL_IMPORT(IoReuseIrp) VOID IoReuseIrp(PIRP Irp, NTSTATUS Iostatus);
/* FORCEINLINE in the WDK, writing the next stack location; here the kernel must know the routine it calls, so it is a call of the same shape. */
WDM_KERNEL_IMPORT(IoSetCompletionRoutine) VOID IoSetCompletionRoutine(PIRP Irp, PIO_COMPLETION_ROUTINE CompletionRoutine, PVOID Context, BOOLEAN InvokeOnSuccess, BOOLEAN InvokeOnError, BOOLEAN InvokeOnCancel);

WDM_KERNEL_IMPORT(IoCsqInitialize) NTSTATUS IoCsqInitialize(PIO_CSQ Csq, PIO_CSQ_COMPLETE_CANCELED_IRP CompleteCanceledIrp);
WDM_KERNEL_IMPORT(IoCsqInsertIrp) VOID IoCsqInsertIrp(PIO_CSQ Csq, PIRP Irp, PIO_CSQ_IRP_CONTEXT Context);
WDM_KERNEL_IMPORT(IoCsqRemoveNextIrp) PIRP IoCsqRemoveNextIrp(PIO_CSQ Csq, PVOID PeekContext);
WDM_KERNEL_IMPORT(IoCsqInsertIrpEx) NTSTATUS IoCsqInsertIrpEx(PIO_CSQ Csq, PIRP Irp, PIO_CSQ_IRP_CONTEXT Context, PVOID InsertContext);
WDM_KERNEL_IMPORT(IoCsqRemoveIrp) PIRP IoCsqRemoveIrp(PIO_CSQ Csq, PIO_CSQ_IRP_CONTEXT Context);

WDM_KERNEL_IMPORT(IoConnectInterrupt) NTSTATUS IoConnectInterrupt(PKINTERRUPT *InterruptObject, PKSERVICE_ROUTINE ServiceRoutine, PVOID ServiceContext, PKSPIN_LOCK SpinLock, ULONG Vector, KIRQL Irql, KIRQL SynchronizeIrql, KINTERRUPT_MODE InterruptMode, BOOLEAN ShareVector, KAFFINITY ProcessorEnableMask, BOOLEAN FloatingSave);
WDM_KERNEL_IMPORT(IoDisconnectInterrupt) VOID IoDisconnectInterrupt(PKINTERRUPT InterruptObject);
WDM_KERNEL_IMPORT(KeSynchronizeExecution) BOOLEAN KeSynchronizeExecution(PKINTERRUPT Interrupt, PKSYNCHRONIZE_ROUTINE SynchronizeRoutine, PVOID SynchronizeContext);

WDM_KERNEL_IMPORT(IoAllocateWorkItem) PIO_WORKITEM IoAllocateWorkItem(PDEVICE_OBJECT DeviceObject);
WDM_KERNEL_IMPORT(IoQueueWorkItem) VOID IoQueueWorkItem(PIO_WORKITEM IoWorkItem, PIO_WORKITEM_ROUTINE WorkerRoutine, WORK_QUEUE_TYPE QueueType, PVOID Context);
WDM_KERNEL_IMPORT(IoFreeWorkItem) VOID IoFreeWorkItem(PIO_WORKITEM IoWorkItem);

/* A macro over DEVICE_OBJECT.Dpc in the WDK; this DEVICE_OBJECT has no KDPC, so the kernel keeps it: a call of the same shape. */
WDM_KERNEL_IMPORT(IoInitializeDpcRequest) VOID IoInitializeDpcRequest(PDEVICE_OBJECT DeviceObject, PIO_DPC_ROUTINE DpcRoutine);

WDM_KERNEL_IMPORT(IoRequestDpc) VOID IoRequestDpc(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context);
WDM_KERNEL_IMPORT(KeInitializeDpc) VOID KeInitializeDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext);
WDM_KERNEL_IMPORT(KeInsertQueueDpc) BOOLEAN KeInsertQueueDpc(PRKDPC Dpc, PVOID SystemArgument1, PVOID SystemArgument2);
WDM_KERNEL_IMPORT(KeRemoveQueueDpc) BOOLEAN KeRemoveQueueDpc(PRKDPC Dpc);
WDM_KERNEL_IMPORT(KeInitializeTimer) VOID KeInitializeTimer(PKTIMER Timer);
WDM_KERNEL_IMPORT(KeSetTimer) BOOLEAN KeSetTimer(PKTIMER Timer, LARGE_INTEGER DueTime, PKDPC Dpc);
WDM_KERNEL_IMPORT(KeSetTimerEx) BOOLEAN KeSetTimerEx(PKTIMER Timer, LARGE_INTEGER DueTime, LONG Period, PKDPC Dpc);
WDM_KERNEL_IMPORT(KeCancelTimer) BOOLEAN KeCancelTimer(PKTIMER Timer);
WDM_KERNEL_IMPORT(KeReadStateTimer) BOOLEAN KeReadStateTimer(PKTIMER Timer);
WDM_KERNEL_IMPORT(KeInitializeEvent) VOID KeInitializeEvent(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State);
WDM_KERNEL_IMPORT(KeSetEvent) LONG KeSetEvent(PRKEVENT Event, LONG Increment, BOOLEAN Wait);
WDM_KERNEL_IMPORT(KeClearEvent) VOID KeClearEvent(PRKEVENT Event);
WDM_KERNEL_IMPORT(KeResetEvent) LONG KeResetEvent(PRKEVENT Event);
WDM_KERNEL_IMPORT(KeReadStateEvent) LONG KeReadStateEvent(PRKEVENT Event);
/* Object: a KEVENT or KTIMER the driver initialized. Timeout: 100-ns units, negative for relative, NULL to wait forever (simulated time). */
WDM_KERNEL_IMPORT(KeWaitForSingleObject) NTSTATUS KeWaitForSingleObject(PVOID Object, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Timeout);
WDM_KERNEL_IMPORT(KeStallExecutionProcessor) VOID KeStallExecutionProcessor(ULONG MicroSeconds);
WDM_KERNEL_IMPORT(KeQueryInterruptTime) ULONGLONG KeQueryInterruptTime(void);
WDM_KERNEL_IMPORT(KeGetCurrentIrql) KIRQL KeGetCurrentIrql(void);
WDM_KERNEL_IMPORT(KeInitializeSpinLock) VOID KeInitializeSpinLock(PKSPIN_LOCK SpinLock);
WDM_KERNEL_IMPORT(KeAcquireSpinLock) VOID KeAcquireSpinLock(PKSPIN_LOCK SpinLock, PKIRQL OldIrql);
WDM_KERNEL_IMPORT(KeReleaseSpinLock) VOID KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql);
WDM_KERNEL_IMPORT(KeAcquireSpinLockAtDpcLevel) VOID KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock);
WDM_KERNEL_IMPORT(KeReleaseSpinLockFromDpcLevel) VOID KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock);
WDM_KERNEL_IMPORT(KeRaiseIrql) VOID KeRaiseIrql(KIRQL NewIrql, PKIRQL OldIrql);
WDM_KERNEL_IMPORT(KeLowerIrql) VOID KeLowerIrql(KIRQL NewIrql);
WDM_KERNEL_IMPORT(KeBugCheckEx) __attribute__((noreturn)) VOID KeBugCheckEx(ULONG BugCheckCode, ULONG_PTR P1, ULONG_PTR P2, ULONG_PTR P3, ULONG_PTR P4);

WDM_KERNEL_IMPORT(IoAllocateMdl) PMDL IoAllocateMdl(PVOID VirtualAddress, ULONG Length, BOOLEAN SecondaryBuffer, BOOLEAN ChargeQuota, PIRP Irp);
WDM_KERNEL_IMPORT(IoFreeMdl) VOID IoFreeMdl(PMDL Mdl);
WDM_KERNEL_IMPORT(IoBuildPartialMdl) VOID IoBuildPartialMdl(PMDL SourceMdl, PMDL TargetMdl, PVOID VirtualAddress, ULONG Length);
WDM_KERNEL_IMPORT(MmProbeAndLockPages) VOID MmProbeAndLockPages(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode, LOCK_OPERATION Operation);
WDM_KERNEL_IMPORT(MmUnlockPages) VOID MmUnlockPages(PMDL MemoryDescriptorList);
WDM_KERNEL_IMPORT(MmBuildMdlForNonPagedPool) VOID MmBuildMdlForNonPagedPool(PMDL MemoryDescriptorList);
WDM_KERNEL_IMPORT(MmGetSystemAddressForMdlSafe) PVOID MmGetSystemAddressForMdlSafe(PMDL Mdl, ULONG Priority);
WDM_KERNEL_IMPORT(MmMapLockedPagesSpecifyCache) PVOID MmMapLockedPagesSpecifyCache(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode, MEMORY_CACHING_TYPE CacheType, PVOID RequestedAddress, ULONG BugCheckOnFailure, ULONG Priority);
WDM_KERNEL_IMPORT(MmUnmapLockedPages) VOID MmUnmapLockedPages(PVOID BaseAddress, PMDL MemoryDescriptorList);

typedef struct _EPROCESS *PEPROCESS, *PRKPROCESS;
typedef struct _KAPC_STATE { ULONG_PTR Opaque[6]; } KAPC_STATE, *PKAPC_STATE, *PRKAPC_STATE;
WDM_KERNEL_IMPORT(IoGetCurrentProcess) PEPROCESS IoGetCurrentProcess(void);
WDM_KERNEL_IMPORT(PsGetProcessExitProcessCalled) BOOLEAN PsGetProcessExitProcessCalled(PEPROCESS Process);
WDM_KERNEL_IMPORT(KeStackAttachProcess) VOID KeStackAttachProcess(PRKPROCESS Process, PRKAPC_STATE ApcState);
WDM_KERNEL_IMPORT(KeUnstackDetachProcess) VOID KeUnstackDetachProcess(PRKAPC_STATE ApcState);

/*
 * An address carried as data in a request (a u64 field of an IOCTL's input or
 * output), for a wasm32 driver: Ptr64ToPtr gives a pointer C can pass back to
 * the kernel but never dereference (as a user address: a kernel address in
 * user data stays a value to probe, never C's memory); PtrToPtr64 gives the
 * address behind such a pointer, or behind a user mapping's pointer, for the
 * application to use. The WDK's versions cast; here they translate.
 */
WDM_KERNEL_IMPORT(Ptr64ToPtr) PVOID Ptr64ToPtr(ULONGLONG Pointer);
WDM_KERNEL_IMPORT(PtrToPtr64) ULONGLONG PtrToPtr64(PVOID Pointer);

WDM_KERNEL_IMPORT(ProbeForRead) VOID ProbeForRead(PVOID Address, SIZE_T Length, ULONG Alignment);
WDM_KERNEL_IMPORT(ProbeForWrite) VOID ProbeForWrite(PVOID Address, SIZE_T Length, ULONG Alignment);

/*
 * No structured exception handling on wasm. Where a WDK driver writes
 *   __try { MmProbeAndLockPages(Mdl, UserMode, IoWriteAccess); } __except (EXCEPTION_EXECUTE_HANDLER) { Status = GetExceptionCode(); }
 * a C driver here writes
 *   Status = WDM_TRY_STATUS(MmProbeAndLockPages(Mdl, UserMode, IoWriteAccess));
 * The host runs the call; a status it raises is returned (STATUS_SUCCESS when none) instead of unwinding.
 * A raise outside WDM_TRY_STATUS is unhandled, as outside __try.
 */
WDM_KERNEL_IMPORT(__wdm_try_begin) VOID __wdm_try_begin(void);
WDM_KERNEL_IMPORT(__wdm_try_end) NTSTATUS __wdm_try_end(void);
#define WDM_TRY_STATUS(Call) (__wdm_try_begin(), (void)(Call), __wdm_try_end())

WDM_KERNEL_IMPORT(ExAllocatePoolWithTag) PVOID ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
WDM_KERNEL_IMPORT(ExFreePoolWithTag) VOID ExFreePoolWithTag(PVOID P, ULONG Tag);
WDM_KERNEL_IMPORT(MmMapIoSpace) PVOID MmMapIoSpace(PHYSICAL_ADDRESS PhysicalAddress, SIZE_T NumberOfBytes, MEMORY_CACHING_TYPE CacheType);
/* Boot-preallocated contiguous DMA buffers (the suite's own routines, no Windows names: README, CONT-3). */
WDM_KERNEL_IMPORT(takePreallocatedBuffer) PVOID takePreallocatedBuffer(PDMA_ADAPTER DmaAdapter, ULONG Length, ULONG Options, PPHYSICAL_ADDRESS LogicalAddress);
WDM_KERNEL_IMPORT(returnPreallocatedBuffer) VOID returnPreallocatedBuffer(PDMA_ADAPTER DmaAdapter, PVOID VirtualAddress);
WDM_KERNEL_IMPORT(MmUnmapIoSpace) VOID MmUnmapIoSpace(PVOID BaseAddress, SIZE_T NumberOfBytes);
/* Contiguous memory is shared with the simulated frames, as common buffers are: what the device writes by DMA is what C reads. */
WDM_KERNEL_IMPORT(MmAllocateContiguousMemorySpecifyCache) PVOID MmAllocateContiguousMemorySpecifyCache(SIZE_T NumberOfBytes, PHYSICAL_ADDRESS LowestAcceptableAddress, PHYSICAL_ADDRESS HighestAcceptableAddress, PHYSICAL_ADDRESS BoundaryAddressMultiple, MEMORY_CACHING_TYPE CacheType);
WDM_KERNEL_IMPORT(MmFreeContiguousMemory) VOID MmFreeContiguousMemory(PVOID BaseAddress);
/* BaseAddress: kernel memory the kernel gave the driver (pool, contiguous memory, a common buffer, a system mapping); not the driver's own globals or stack. */
WDM_KERNEL_IMPORT(MmGetPhysicalAddress) PHYSICAL_ADDRESS MmGetPhysicalAddress(PVOID BaseAddress);
WDM_KERNEL_IMPORT(MmIsAddressValid) BOOLEAN MmIsAddressValid(PVOID VirtualAddress);

WDM_KERNEL_IMPORT(IoGetDmaAdapter) PDMA_ADAPTER IoGetDmaAdapter(PDEVICE_OBJECT PhysicalDeviceObject, PDEVICE_DESCRIPTION DeviceDescription, PULONG NumberOfMapRegisters);
WDM_KERNEL_IMPORT(HalGetBusDataByOffset) ULONG HalGetBusDataByOffset(BUS_DATA_TYPE BusDataType, ULONG BusNumber, ULONG SlotNumber, PVOID Buffer, ULONG Offset, ULONG Length);
/* A no-op macro in the x64 WDK; here the kernel sees it (the DMA verifier may check the MDL). */
WDM_KERNEL_IMPORT(KeFlushIoBuffers) VOID KeFlushIoBuffers(PMDL Mdl, BOOLEAN ReadOperation, BOOLEAN DmaOperation);
WDM_KERNEL_IMPORT(HalSetBusDataByOffset) ULONG HalSetBusDataByOffset(BUS_DATA_TYPE BusDataType, ULONG BusNumber, ULONG SlotNumber, PVOID Buffer, ULONG Offset, ULONG Length);

/* Registers: the pointer MmMapIoSpace returned, plus the register's offset. Dereferencing it traps (a bug check). */
WDM_KERNEL_IMPORT(READ_REGISTER_UCHAR) UCHAR READ_REGISTER_UCHAR(volatile UCHAR *Register);
WDM_KERNEL_IMPORT(READ_REGISTER_USHORT) USHORT READ_REGISTER_USHORT(volatile USHORT *Register);
WDM_KERNEL_IMPORT(READ_REGISTER_ULONG) ULONG READ_REGISTER_ULONG(volatile ULONG *Register);
WDM_KERNEL_IMPORT(WRITE_REGISTER_UCHAR) VOID WRITE_REGISTER_UCHAR(volatile UCHAR *Register, UCHAR Value);
WDM_KERNEL_IMPORT(WRITE_REGISTER_USHORT) VOID WRITE_REGISTER_USHORT(volatile USHORT *Register, USHORT Value);
WDM_KERNEL_IMPORT(WRITE_REGISTER_ULONG) VOID WRITE_REGISTER_ULONG(volatile ULONG *Register, ULONG Value);
WDM_KERNEL_IMPORT(READ_REGISTER_BUFFER_ULONG) VOID READ_REGISTER_BUFFER_ULONG(volatile ULONG *Register, PULONG Buffer, ULONG Count);
WDM_KERNEL_IMPORT(WRITE_REGISTER_BUFFER_ULONG) VOID WRITE_REGISTER_BUFFER_ULONG(volatile ULONG *Register, PULONG Buffer, ULONG Count);

/* I/O ports: the port number from the resource list (u.Port.Start.LowPart), cast to the pointer type; never dereferenced. */
WDM_KERNEL_IMPORT(READ_PORT_UCHAR) UCHAR READ_PORT_UCHAR(PUCHAR Port);
WDM_KERNEL_IMPORT(READ_PORT_USHORT) USHORT READ_PORT_USHORT(PUSHORT Port);
WDM_KERNEL_IMPORT(READ_PORT_ULONG) ULONG READ_PORT_ULONG(PULONG Port);
WDM_KERNEL_IMPORT(WRITE_PORT_UCHAR) VOID WRITE_PORT_UCHAR(PUCHAR Port, UCHAR Value);
WDM_KERNEL_IMPORT(WRITE_PORT_USHORT) VOID WRITE_PORT_USHORT(PUSHORT Port, USHORT Value);
WDM_KERNEL_IMPORT(WRITE_PORT_ULONG) VOID WRITE_PORT_ULONG(PULONG Port, ULONG Value);
WDM_KERNEL_IMPORT(READ_PORT_BUFFER_ULONG) VOID READ_PORT_BUFFER_ULONG(PULONG Port, PULONG Buffer, ULONG Count);
WDM_KERNEL_IMPORT(WRITE_PORT_BUFFER_ULONG) VOID WRITE_PORT_BUFFER_ULONG(PULONG Port, PULONG Buffer, ULONG Count);
