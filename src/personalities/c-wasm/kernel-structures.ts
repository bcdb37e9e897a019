/**
 * The kernel's structures as C reads them: each simulated object a C driver
 * sees (IRP and its stack locations, MDL and its PFN array, DEVICE_OBJECT,
 * DRIVER_OBJECT, DMA_ADAPTER, SCATTER_GATHER_LIST, FILE_OBJECT) gets a copy
 * laid out as in include/wdm.h, at a fixed linear address for its lifetime.
 * As in the WDK, an IRP's stack locations follow it and an MDL's PFN array
 * follows its header, so wdm.h's IoGetNextIrpStackLocation and
 * MmGetMdlPfnArray are pointer arithmetic. The copy is written when the
 * object crosses into C (refresh) and the fields C may write are read back
 * when C hands the object to the kernel or returns (absorb). An IRP's Cancel
 * flag is the exception: the I/O manager sets it while C holds the IRP, so
 * the copy follows it at once.
 *
 * Objects the driver allocates inside its own memory (KSPIN_LOCK, KDPC,
 * KTIMER, KEVENT, IO_CSQ) are the other way round: the simulated object is
 * found by the address of the driver's storage.
 */
import { isSystemAddress } from '../../kernel/mm/layout';
import { PAGE_SIZE } from '../../contracts/units';
import { DEVICE_OBJECT } from '../../kernel/io/device-object';
import { DRIVER_OBJECT } from '../../kernel/io/driver-object';
import { FILE_OBJECT } from '../../kernel/io/file-object';
import { IRP, IO_STACK_LOCATION } from '../../kernel/io/irp';
import { IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL, IRP_MJ_INTERNAL_DEVICE_CONTROL } from '../../kernel/io/major-function';
import { MDL } from '../../kernel/mm/mdl';
import { METHOD_IN_DIRECT, METHOD_OUT_DIRECT } from '../../contracts/ioctl';
import type { DMA_ADAPTER } from '../../kernel/hal/dma-adapter';
import type { SCATTER_GATHER_LIST } from '../../kernel/hal/scatter-gather-list';
import type { DeviceResources } from '../../kernel/io/device-resources';
import type { AddressTokens } from './address-tokens';
import type { FrameAliases } from './frame-aliases';
import type { LinearMemory } from './linear-memory';

/** Sizes and offsets of include/wdm.h on wasm32 (the header asserts the same offsets). */
export const LAYOUT = {
  /** `size` is the header's; the stack locations follow it from `stack` on (IoSizeOfIrp). */
  IRP: { size: 68, stack: 72, MdlAddress: 4, Flags: 8, SystemBuffer: 12, Status: 16, Information: 20, RequestorMode: 24, PendingReturned: 25, StackCount: 26, CurrentLocation: 27, Cancel: 28, CancelIrql: 29, UserBuffer: 36, Thread: 56, CurrentStackLocation: 60, OriginalFileObject: 64 },
  IO_STACK_LOCATION: { size: 40, MajorFunction: 0, MinorFunction: 1, Flags: 2, Control: 3, Parameters: 8, DeviceObject: 24, FileObject: 28 },
  /** `size` is the header's; the PFN array (4-byte PFN_NUMBERs) follows it. */
  MDL: { size: 28, Next: 0, Size: 4, MdlFlags: 6, Process: 8, MappedSystemVa: 12, StartVa: 16, ByteCount: 20, ByteOffset: 24 },
  DEVICE_OBJECT: { size: 56, DriverObject: 8, NextDevice: 12, AttachedDevice: 16, CurrentIrp: 20, Flags: 28, Characteristics: 32, DeviceExtension: 40, DeviceType: 44, StackSize: 48, AlignmentRequirement: 52 },
  DRIVER_OBJECT: { size: 168, DeviceObject: 4, DriverUnload: 52, MajorFunction: 56, MajorFunctionCount: 28 },
  DMA_ADAPTER: { size: 8, Version: 0, Size: 2, DmaOperations: 4 },
  FILE_OBJECT: { size: 16 },
  SCATTER_GATHER_LIST: { header: 8, element: 16 },
  CM_PARTIAL_RESOURCE_DESCRIPTOR: { size: 24 },
  OPAQUE: { size: 16 },
} as const;

const CmResourceType = { Port: 1, Interrupt: 2, Memory: 3 } as const;

type Mirrored = IRP | IO_STACK_LOCATION | MDL | DEVICE_OBJECT | DRIVER_OBJECT | DMA_ADAPTER | SCATTER_GATHER_LIST | FILE_OBJECT | object;

function kindOf(o: object): keyof typeof LAYOUT | 'SCATTER_GATHER_LIST' {
  if (o instanceof IRP) return 'IRP';
  if (o instanceof MDL) return 'MDL';
  if (o instanceof DEVICE_OBJECT) return 'DEVICE_OBJECT';
  if (o instanceof DRIVER_OBJECT) return 'DRIVER_OBJECT';
  if (o instanceof FILE_OBJECT) return 'FILE_OBJECT';
  if ('DmaOperations' in o) return 'DMA_ADAPTER';
  if ('Elements' in o && 'NumberOfElements' in o) return 'SCATTER_GATHER_LIST';
  if ('MajorFunction' in o && 'Parameters' in o) return 'IO_STACK_LOCATION';
  return 'OPAQUE';
}

function sizeOf(o: object): number {
  const kind = kindOf(o);
  if (kind === 'SCATTER_GATHER_LIST') return LAYOUT.SCATTER_GATHER_LIST.header + LAYOUT.SCATTER_GATHER_LIST.element * (o as SCATTER_GATHER_LIST).NumberOfElements;
  if (kind === 'IRP') return LAYOUT.IRP.stack + LAYOUT.IO_STACK_LOCATION.size * (o as IRP).StackCount;
  if (kind === 'MDL') return LAYOUT.MDL.size + 4 * pagesSpanned(o as MDL);
  return (LAYOUT[kind] as { size: number }).size;
}

/** The pages an MDL's buffer spans (ADDRESS_AND_SIZE_TO_SPAN_PAGES): its PFN array's length. */
function pagesSpanned(m: MDL): number {
  return m.ByteCount === 0 ? 0 : Math.ceil((m.ByteOffset + m.ByteCount) / PAGE_SIZE);
}

/** The linear address of stack location `index` of the IRP whose copy is at `at`. */
function stackLocationAt(at: number, index: number): number {
  return at + LAYOUT.IRP.stack + LAYOUT.IO_STACK_LOCATION.size * index;
}

export class KernelStructures {
  private readonly addresses = new Map<object, number>();
  private readonly objects = new Map<number, object>();
  /**
   * Copies released (a list put back, an MDL freed), by their address: a stale pointer C hands back still
   * names the released object, so the kernel sees the second put or free as Windows would, until the
   * memory holds another copy.
   */
  private readonly released = new Map<number, object>();
  private readonly storage = new Map<number, object>();
  private readonly storageAddresses = new Map<object, number>();
  /** Each copy's size as placed (an MDL's PFN array and an IRP's stack are sized once). */
  private readonly sizes = new Map<object, number>();

  constructor(
    private readonly linear: LinearMemory,
    private readonly aliases: FrameAliases,
    private readonly tokens: AddressTokens,
    /** The DMA_OPERATIONS table in the driver's memory (__wdm_dma_operations). */
    private readonly dmaOperations: number,
  ) {}

  /** The linear address of an object's copy, written now (null: 0). */
  pointerTo(o: object | null | undefined): number {
    if (typeof o !== 'object' || o === null) return 0; // what the kernel passes where a structure may be (an execution routine's Irp) can be nothing
    const known = this.addresses.get(o);
    if (known !== undefined) {
      this.refresh(o, known);
      return known;
    }
    return this.place(o);
  }

  /** The object whose copy (or whose driver storage) lies at `pointer`, if any. */
  objectAt(pointer: number): object | undefined {
    return this.objects.get(pointer) ?? this.storage.get(pointer) ?? this.released.get(pointer);
  }

  /** Whether `o` has a copy in the driver's memory now (not released). */
  hasCopy(o: object): boolean {
    return this.addresses.has(o);
  }

  /** The simulated object kept in the driver's storage at `pointer`, made on first use. */
  stored<T extends object>(pointer: number, make: () => T): T {
    let o = this.storage.get(pointer) as T | undefined;
    if (!o) {
      o = make();
      this.storage.set(pointer, o);
      this.storageAddresses.set(o, pointer);
    }
    return o;
  }

  /** The driver storage that holds `o`, if the driver made it. */
  storageOf(o: object): number | undefined {
    return this.storageAddresses.get(o);
  }

  /** Forget an object's copy (a list put back): its memory is reused. */
  forget(o: object): void {
    const address = this.addresses.get(o);
    if (address === undefined) return;
    if (o instanceof IRP) {
      o.stack.forEach((location, i) => this.unseat(location, stackLocationAt(address, i)));
    }
    this.addresses.delete(o);
    this.objects.delete(address);
    this.released.set(address, o);
    this.linear.release(address, this.sizes.get(o) ?? sizeOf(o));
    this.sizes.delete(o);
  }

  /** A system address as C sees it: the aliased linear address (aliasing `length` bytes), or a token for a user address or device memory. */
  pointerForAddress(address: number | null, length: number): number {
    if (address === null || address === 0) return 0;
    // Device memory MmMapIoSpace mapped (an MDL over a peer BAR) is reached through the kernel only, as a register is.
    if (this.aliases.isIoSpace(address)) return this.tokens.tokenOf(address, length, 'register');
    if (isSystemAddress(address)) return this.aliases.alias(address, length);
    return this.tokens.tokenOf(address, length, 'user');
  }

  /** Read back what C may have written into an object's copy. */
  absorb(o: object): void {
    const at = this.addresses.get(o);
    if (at === undefined) return;
    const v = this.linear.view;
    if (o instanceof IRP) {
      o.IoStatus.Status = v.getUint32(at + LAYOUT.IRP.Status, true);
      o.IoStatus.Information = v.getUint32(at + LAYOUT.IRP.Information, true);
      // The locations below the current one are the driver's to fill for the drivers it calls (IoGetNextIrpStackLocation).
      for (let i = 0; i < Math.min(o.CurrentLocation, o.StackCount); i++) this.absorbStackLocation(o.stack[i]!, stackLocationAt(at, i));
    } else if (o instanceof DEVICE_OBJECT) {
      o.Flags = v.getUint32(at + LAYOUT.DEVICE_OBJECT.Flags, true);
    }
  }

  /** The CM_RESOURCE_LIST StartDevice receives, one descriptor per BAR then the interrupt; release it with `releaseResources`. */
  writeResources(resources: DeviceResources): { pointer: number; size: number } {
    const descriptors = resources.memory.length + resources.ports.length + (resources.interrupt ? 1 : 0);
    const size = 24 + descriptors * LAYOUT.CM_PARTIAL_RESOURCE_DESCRIPTOR.size;
    const at = this.linear.allocate(size);
    const v = this.linear.view;
    v.setUint32(at, 1, true);              // Count of full descriptors
    v.setUint32(at + 8, 5, true);          // InterfaceType PCIBus
    v.setUint16(at + 18, 1, true);         // Revision
    v.setUint32(at + 20, descriptors, true);
    let d = at + 24;
    const bars = [...resources.memory.map((m) => ({ ...m, type: CmResourceType.Memory })), ...resources.ports.map((p) => ({ ...p, type: CmResourceType.Port }))].sort((a, b) => a.bar - b.bar);
    for (const bar of bars) {
      v.setUint8(d, bar.type);
      v.setBigUint64(d + 8, BigInt(bar.Start), true);
      v.setUint32(d + 16, bar.Length, true);
      d += LAYOUT.CM_PARTIAL_RESOURCE_DESCRIPTOR.size;
    }
    if (resources.interrupt) {
      v.setUint8(d, CmResourceType.Interrupt);
      v.setUint32(d + 8, resources.interrupt.Level, true);
      v.setUint32(d + 12, resources.interrupt.Vector, true);
      v.setUint32(d + 16, resources.interrupt.Affinity, true);
    }
    return { pointer: at, size };
  }

  private place(o: object): number {
    const size = sizeOf(o);
    const at = this.linear.allocate(size);
    this.released.delete(at);
    this.addresses.set(o, at);
    this.objects.set(at, o);
    this.sizes.set(o, size);
    if (o instanceof IRP) this.followCancel(o, at);
    this.refresh(o, at);
    return at;
  }

  /** The copy's Cancel byte follows the IRP's flag, which IoCancelIrp sets while C may hold the IRP and poll it. */
  private followCancel(irp: IRP, at: number): void {
    let cancel = irp.Cancel;
    // Another C driver's copy of the same IRP (a stack of C drivers) keeps following it too; a released copy stops.
    const other = Object.getOwnPropertyDescriptor(irp, 'Cancel')?.set;
    Object.defineProperty(irp, 'Cancel', {
      configurable: true,
      enumerable: true,
      get: () => cancel,
      set: (value: boolean) => {
        other?.(value);
        cancel = value;
        if (this.addresses.get(irp) === at) this.linear.view.setUint8(at + LAYOUT.IRP.Cancel, value ? 1 : 0);
      },
    });
  }

  /** Stack location `location` is the copy at `at` (IoReuseIrp puts new locations in an IRP's stack). */
  private seat(location: IO_STACK_LOCATION, at: number): void {
    if (this.addresses.get(location) === at) return;
    const previous = this.objects.get(at);
    if (previous && previous !== location) this.addresses.delete(previous);
    const elsewhere = this.addresses.get(location);
    if (elsewhere !== undefined) this.forget(location);
    this.addresses.set(location, at);
    this.objects.set(at, location);
  }

  private unseat(location: IO_STACK_LOCATION, at: number): void {
    if (this.addresses.get(location) !== at) return;
    this.addresses.delete(location);
    this.objects.delete(at);
  }

  /** What C wrote into a stack location for the driver below: the request it describes (not Control, DeviceObject or the completion routine, which the kernel sets). */
  private absorbStackLocation(s: IO_STACK_LOCATION, at: number): void {
    const v = this.linear.view;
    const L = LAYOUT.IO_STACK_LOCATION;
    const p = at + L.Parameters;
    s.MajorFunction = v.getUint8(at + L.MajorFunction);
    s.MinorFunction = v.getUint8(at + L.MinorFunction);
    s.Flags = v.getUint8(at + L.Flags);
    if (s.MajorFunction === IRP_MJ_DEVICE_CONTROL || s.MajorFunction === IRP_MJ_INTERNAL_DEVICE_CONTROL) {
      const c = s.Parameters.DeviceIoControl;
      c.OutputBufferLength = v.getUint32(p, true);
      c.InputBufferLength = v.getUint32(p + 4, true);
      c.IoControlCode = v.getUint32(p + 8, true);
      const token = this.tokens.decode(v.getUint32(p + 12, true));
      c.Type3InputBuffer = token ? token.address : null;
    } else if (s.MajorFunction === IRP_MJ_CREATE) {
      s.Parameters.Create.Options = v.getUint32(p + 4, true);
      s.Parameters.Create.ShareAccess = v.getUint16(p + 10, true);
    } else {
      s.Parameters.Read.Length = v.getUint32(p, true);
      s.Parameters.Read.Key = v.getUint32(p + 4, true);
      s.Parameters.Read.ByteOffset = Number(v.getBigInt64(p + 8, true));
    }
    const file = this.objectAt(v.getUint32(at + L.FileObject, true));
    s.FileObject = file instanceof FILE_OBJECT ? file : null;
  }

  /** Write the object's current state into its copy. */
  private refresh(o: Mirrored, at: number): void {
    const kind = kindOf(o);
    const v = this.linear.view;
    const u32 = (offset: number, value: number) => v.setUint32(at + offset, value >>> 0, true);
    switch (kind) {
      case 'IRP': {
        const irp = o as IRP;
        const L = LAYOUT.IRP;
        const stack = irp.stack[irp.CurrentLocation];
        u32(L.MdlAddress, this.pointerTo(irp.MdlAddress));
        u32(L.Flags, irp.Flags);
        u32(L.SystemBuffer, this.pointerForAddress(irp.AssociatedIrp.SystemBuffer, stack ? systemBufferLength(stack) : 1));
        u32(L.Status, irp.IoStatus.Status);
        u32(L.Information, irp.IoStatus.Information);
        v.setUint8(at + L.RequestorMode, irp.RequestorMode === 'UserMode' ? 1 : 0);
        v.setUint8(at + L.PendingReturned, irp.PendingReturned ? 1 : 0);
        v.setUint8(at + L.StackCount, irp.StackCount);
        v.setUint8(at + L.CurrentLocation, irp.CurrentLocation);
        v.setUint8(at + L.Cancel, irp.Cancel ? 1 : 0);
        v.setUint8(at + L.CancelIrql, irp.CancelIrql);
        u32(L.UserBuffer, irp.UserBuffer === null ? 0 : this.tokens.tokenOf(irp.UserBuffer, stack ? systemBufferLength(stack) : 1, 'user'));
        // One past the last location before the IRP is first passed to a driver, as in the WDK.
        u32(L.CurrentStackLocation, stackLocationAt(at, irp.CurrentLocation));
        irp.stack.forEach((location, i) => {
          this.seat(location, stackLocationAt(at, i));
          this.refresh(location, stackLocationAt(at, i));
        });
        u32(L.OriginalFileObject, this.pointerTo(irp.Tail.Overlay.OriginalFileObject));
        break;
      }
      case 'IO_STACK_LOCATION': {
        const s = o as IO_STACK_LOCATION;
        const L = LAYOUT.IO_STACK_LOCATION;
        v.setUint8(at + L.MajorFunction, s.MajorFunction);
        v.setUint8(at + L.MinorFunction, s.MinorFunction);
        v.setUint8(at + L.Flags, s.Flags);
        v.setUint8(at + L.Control, s.Control);
        const p = L.Parameters;
        if (s.MajorFunction === IRP_MJ_DEVICE_CONTROL || s.MajorFunction === IRP_MJ_INTERNAL_DEVICE_CONTROL) {
          const c = s.Parameters.DeviceIoControl;
          u32(p, c.OutputBufferLength);
          u32(p + 4, c.InputBufferLength);
          u32(p + 8, c.IoControlCode);
          u32(p + 12, c.Type3InputBuffer === null ? 0 : this.tokens.tokenOf(c.Type3InputBuffer, Math.max(c.InputBufferLength, 1), 'user'));
        } else if (s.MajorFunction === IRP_MJ_CREATE) {
          u32(p, 0);
          u32(p + 4, s.Parameters.Create.Options);
          v.setUint16(at + p + 10, s.Parameters.Create.ShareAccess, true);
        } else {
          u32(p, s.Parameters.Read.Length);
          u32(p + 4, s.Parameters.Read.Key);
          v.setBigInt64(at + p + 8, BigInt(s.Parameters.Read.ByteOffset), true);
        }
        u32(L.DeviceObject, this.pointerTo(s.DeviceObject));
        u32(L.FileObject, this.pointerTo(s.FileObject));
        break;
      }
      case 'MDL': {
        const m = o as MDL;
        const L = LAYOUT.MDL;
        u32(L.Next, this.pointerTo(m.Next));
        v.setInt16(at + L.MdlFlags, m.MdlFlags, true);
        u32(L.MappedSystemVa, m.MappedSystemVa ? this.aliases.linearOf(m.MappedSystemVa) ?? 0 : 0);
        u32(L.StartVa, this.pointerForAddress(m.StartVa, m.ByteOffset + m.ByteCount));
        u32(L.ByteCount, m.ByteCount);
        u32(L.ByteOffset, m.ByteOffset);
        const pages = ((this.sizes.get(m) ?? L.size) - L.size) / 4;
        for (let i = 0; i < pages; i++) u32(L.size + 4 * i, m.PfnArray[i] ?? 0);
        break;
      }
      case 'DEVICE_OBJECT': {
        const d = o as DEVICE_OBJECT;
        const L = LAYOUT.DEVICE_OBJECT;
        u32(L.DriverObject, this.pointerTo(d.DriverObject));
        u32(L.NextDevice, this.addresses.get(d.NextDevice as object) ?? 0);
        u32(L.AttachedDevice, this.addresses.get(d.AttachedDevice as object) ?? 0);
        u32(L.Flags, d.Flags);
        u32(L.Characteristics, d.Characteristics);
        u32(L.DeviceExtension, typeof d.DeviceExtension === 'number' ? d.DeviceExtension : 0);
        u32(L.DeviceType, d.DeviceType);
        v.setUint8(at + L.StackSize, d.StackSize);
        u32(L.AlignmentRequirement, d.AlignmentRequirement);
        break;
      }
      case 'DRIVER_OBJECT': {
        // MajorFunction and DriverUnload are the driver's to write: only the device list is the kernel's.
        u32(LAYOUT.DRIVER_OBJECT.DeviceObject, this.addresses.get((o as DRIVER_OBJECT).DeviceObject as object) ?? 0);
        break;
      }
      case 'DMA_ADAPTER': {
        const a = o as DMA_ADAPTER;
        v.setUint16(at + LAYOUT.DMA_ADAPTER.Version, a.Version, true);
        v.setUint16(at + LAYOUT.DMA_ADAPTER.Size, LAYOUT.DMA_ADAPTER.size, true);
        u32(LAYOUT.DMA_ADAPTER.DmaOperations, this.dmaOperations);
        break;
      }
      case 'SCATTER_GATHER_LIST': {
        const list = o as SCATTER_GATHER_LIST;
        u32(0, list.NumberOfElements);
        u32(4, 0);
        list.Elements.forEach((e, i) => {
          const e0 = LAYOUT.SCATTER_GATHER_LIST.header + i * LAYOUT.SCATTER_GATHER_LIST.element;
          v.setBigUint64(at + e0, BigInt(e.Address), true);
          u32(e0 + 8, e.Length);
          u32(e0 + 12, 0);
        });
        break;
      }
      default:
        break; // FILE_OBJECT, KINTERRUPT ...: an address that names the object, nothing C reads
    }
  }
}

/**
 * The system buffer's size: METHOD_BUFFERED's holds the larger of the request's input and output;
 * METHOD_IN_DIRECT's and METHOD_OUT_DIRECT's only the input (the output buffer is the request's MDL).
 */
function systemBufferLength(s: IO_STACK_LOCATION): number {
  if (s.MajorFunction === IRP_MJ_DEVICE_CONTROL || s.MajorFunction === IRP_MJ_INTERNAL_DEVICE_CONTROL) {
    const c = s.Parameters.DeviceIoControl;
    const direct = (c.IoControlCode & 3) === METHOD_IN_DIRECT || (c.IoControlCode & 3) === METHOD_OUT_DIRECT;
    return Math.max(1, c.InputBufferLength, direct ? 0 : c.OutputBufferLength);
  }
  return Math.max(1, s.Parameters.Read.Length);
}
