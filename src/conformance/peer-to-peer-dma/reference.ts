/**
 * Reference driver 7, class peer-to-peer-dma (seeds 000, 002): the
 * application hands the driver the bus address of another PCI function's
 * memory (a GPU's, from the GPU's allocator), and the DMA test device moves
 * its stream into or out of that memory, device to device, without a byte
 * crossing host RAM (DEV-6).
 *
 * - StartDevice: besides the adapter, ring and bus mastering, the memory BARs
 *   of the other functions on the bus are read from their configuration
 *   space (base, and size by the all-ones probe) so requests can be checked
 *   against them.
 * - IOCTL_P2P_TRANSFER: the range must lie wholly inside one of those BARs;
 *   anything else (outside every BAR, past a BAR's end, host RAM) fails with
 *   STATUS_INVALID_PARAMETER before the device is touched. The range is
 *   mapped with MmMapIoSpace and described by an MDL built with
 *   MmBuildMdlForNonPagedPool (device memory is never paged, so nothing is
 *   probed or locked); GetScatterGatherList then gives the device addresses
 *   for it: the bus address, or behind an IOMMU an address mapped to it. The
 *   device is programmed with those, never with the CPU's view of the BAR
 *   (DEV-1). Transfers run one at a time, cut into pieces one list may map
 *   (DEV-2).
 * - Cleanup: the handle's transfer is stopped on the device (abort) before
 *   its list is put back, its mapping undone and the request completed;
 *   its queued transfers are cancelled.
 *
 * The driver is built from the named steps of PeerToPeerDevice (its
 * protected methods), which the faulty variants replace one at a time.
 */
import { IO_CSQ, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL, NT_SUCCESS, STATUS } from '../../personalities/wdm/contract';
import type { DEVICE_OBJECT, DeviceResources, FILE_OBJECT, IRP, KernelApi, MDL, NtStatus, SCATTER_GATHER_LIST } from '../../personalities/wdm/contract';
import { IOCTL_P2P_TRANSFER, P2P_ORDER_BYTES, P2P_TRANSFER_MAXIMUM, PeerTransferOrder, decodePeerOrder } from './interface';
import {
  DeviceDescriptor, DriverIdentity, ReferenceDevice, TransferWatchdog, atDispatchLevel, bufferedInput, completeRequest, pciSlotOf, referenceDriver,
} from '../../personalities/wdm/driver-kit';

/** Assumption, as for the other reference drivers: 100 ms without an interrupt means the device is stuck. */
const TRANSFER_TIMEOUT_MS = 100;
const PCI_MAX_DEVICES = 32;
const PCI_VENDOR_ID = 0x00;
const PCI_FIRST_BAR = 0x10;
const PCI_BAR_COUNT = 6;
const BAR_IO_SPACE = 0x1;
const BAR_TYPE_64BIT = 0x4;
const BAR_TYPE_MASK = 0x6;
const TWO_32 = 2 ** 32;

/** A memory BAR of another function on the bus: where a peer transfer may go. */
export interface PeerWindow {
  readonly slot: number;
  readonly bar: number;
  readonly base: number;
  readonly size: number;
}

/** The peer's memory as the driver reaches it for one transfer: its system mapping and the MDL over it. */
export interface PeerMapping {
  readonly va: number;
  readonly bytes: number;
  readonly mdl: MDL;
}

/** A transfer the device is running, piece by piece. */
export interface PeerTransfer {
  readonly irp: IRP;
  readonly file: FILE_OBJECT;
  readonly order: PeerTransferOrder;
  readonly mapping: PeerMapping;
  /** Bytes handed to the device so far. */
  done: number;
  list: SCATTER_GATHER_LIST | null;
  /** GetScatterGatherList was called and its execution routine has not run yet. */
  listPending: boolean;
  /** Cleanup stopped it while its list was being built: undo the mapping once the list arrives. */
  releaseWhenMapped: boolean;
}

export class PeerToPeerDevice extends ReferenceDevice {
  protected readonly maximumTransferLength = P2P_TRANSFER_MAXIMUM;
  /** Transfers waiting for the device, each with its order in DriverContext[0] and its peer mapping in DriverContext[1]. */
  readonly queue = new IO_CSQ();
  active: PeerTransfer | null = null;
  readonly watchdog: TransferWatchdog;
  /** The memory BARs of the other functions, read at start. */
  peerWindows: PeerWindow[] = [];

  constructor(k: KernelApi, fdo: DEVICE_OBJECT, pdo: DEVICE_OBJECT) {
    super(k, fdo, pdo);
    k.IoCsqInitialize(this.queue, (_csq, irp) => this.cancelledWhileQueued(irp));
    this.watchdog = new TransferWatchdog(k, () => this.transferTimedOut(), () => this.registers?.progress() ?? 0);
  }

  override start(resources: DeviceResources): NtStatus {
    const status = super.start(resources);
    if (NT_SUCCESS(status)) this.peerWindows = this.findPeerWindows();
    return status;
  }

  dispatch(irp: IRP): NtStatus {
    const location = this.k.IoGetCurrentIrpStackLocation(irp);
    switch (location.MajorFunction) {
      case IRP_MJ_CREATE:
      case IRP_MJ_CLOSE:
        return completeRequest(this.k, irp, STATUS.SUCCESS);
      case IRP_MJ_CLEANUP:
        return this.cleanup(irp, location.FileObject!);
      case IRP_MJ_DEVICE_CONTROL:
        return location.Parameters.DeviceIoControl.IoControlCode === IOCTL_P2P_TRANSFER ? this.transfer(irp, location.FileObject!) : completeRequest(this.k, irp, STATUS.INVALID_DEVICE_REQUEST);
      default:
        return completeRequest(this.k, irp, STATUS.INVALID_DEVICE_REQUEST);
    }
  }

  // --- the named steps --------------------------------------------------------------

  /**
   * The memory BARs of every other function on bus 0, from configuration
   * space: the base, and the size the all-ones probe reveals (the register is
   * put back at once). I/O BARs are no place for DMA and are skipped.
   */
  protected findPeerWindows(): PeerWindow[] {
    const k = this.k;
    const own = pciSlotOf(k, this.pdo);
    const windows: PeerWindow[] = [];
    const dword = new Uint8Array(4);
    const view = new DataView(dword.buffer);
    const read = (slot: number, offset: number): number => (k.HalGetBusDataByOffset('PCIConfiguration', 0, slot, dword, offset, 4) === 4 ? view.getUint32(0, true) : 0);
    const write = (slot: number, offset: number, value: number): void => {
      view.setUint32(0, value >>> 0, true);
      k.HalSetBusDataByOffset('PCIConfiguration', 0, slot, dword, offset, 4);
    };
    for (let slot = 0; slot < PCI_MAX_DEVICES; slot++) {
      const id = read(slot, PCI_VENDOR_ID);
      if (slot === own || id === 0 || (id & 0xffff) === 0xffff) continue;
      for (let bar = 0; bar < PCI_BAR_COUNT; bar++) {
        const offset = PCI_FIRST_BAR + 4 * bar;
        const low = read(slot, offset);
        if (low === 0 || low & BAR_IO_SPACE) continue;
        const wide = (low & BAR_TYPE_MASK) === BAR_TYPE_64BIT;
        const high = wide ? read(slot, offset + 4) : 0;
        write(slot, offset, 0xffffffff);
        const sizedLow = (read(slot, offset) & ~0xf) >>> 0;
        write(slot, offset, low);
        let sizedHigh = 0xffffffff;
        if (wide) {
          write(slot, offset + 4, 0xffffffff);
          sizedHigh = read(slot, offset + 4);
          write(slot, offset + 4, high);
        }
        // The size is the two's complement of the bits that stayed writable.
        const size = sizedHigh === 0xffffffff ? TWO_32 - sizedLow : (TWO_32 - sizedHigh) * TWO_32;
        const base = ((low & ~0xf) >>> 0) + high * TWO_32;
        if (base !== 0 && (sizedLow !== 0 || sizedHigh !== 0xffffffff)) windows.push({ slot, bar, base, size });
        if (wide) bar++;
      }
    }
    return windows;
  }

  /** The request's range lies wholly inside one peer BAR (DEV-6). */
  /** The interface's lengths: 1 byte up to P2P_TRANSFER_MAXIMUM, both ends included. */
  protected transferLengthAllowed(bytes: number): boolean {
    return bytes >= 1 && bytes <= P2P_TRANSFER_MAXIMUM;
  }

  protected insidePeerWindow(order: PeerTransferOrder): boolean {
    return this.peerWindows.some((w) => order.peerAddress >= w.base && order.peerAddress + order.bytes <= w.base + w.size);
  }

  /**
   * Describe the peer's memory for the HAL: mapped with MmMapIoSpace, an MDL
   * over the mapping built for non-paged memory (device memory is never paged
   * and has no pages to lock). Or the failure status.
   */
  protected mapPeer(order: PeerTransferOrder): PeerMapping | NtStatus {
    const k = this.k;
    const va = k.MmMapIoSpace(order.peerAddress, order.bytes, 'MmNonCached');
    if (va === null) return STATUS.INSUFFICIENT_RESOURCES;
    const mdl = k.IoAllocateMdl(va, order.bytes, false, false, null);
    if (!mdl) {
      k.MmUnmapIoSpace(va, order.bytes);
      return STATUS.INSUFFICIENT_RESOURCES;
    }
    k.MmBuildMdlForNonPagedPool(mdl);
    return { va, bytes: order.bytes, mdl };
  }

  /** Undo mapPeer: the MDL, then the mapping. */
  protected unmapPeer(mapping: PeerMapping): void {
    this.k.IoFreeMdl(mapping.mdl);
    this.k.MmUnmapIoSpace(mapping.va, mapping.bytes);
  }

  /** What the device is programmed with for a piece: the device addresses of the list (DEV-1), cut to its longest transfer (DEV-2). */
  protected pieceDescriptors(_t: PeerTransfer, list: SCATTER_GATHER_LIST, _length: number): DeviceDescriptor[] {
    return this.descriptorsFor(list.Elements);
  }

  /** Cleanup's part for the handle's transfer on the device: stop it there first; its error interrupt then finds nothing active. */
  protected stopOnDevice(): void {
    this.registers!.abort();
  }

  /** Undo the peer mapping of a transfer cleanup stopped: now, or once the list being built over it arrives. */
  protected releaseStopped(stopped: PeerTransfer): void {
    if (stopped.listPending) stopped.releaseWhenMapped = true;
    else this.unmapPeer(stopped.mapping);
  }

  /** A transfer cancelled while it waited for the device (CancelIo, cleanup): give back its peer mapping, then complete it cancelled. */
  protected cancelledWhileQueued(irp: IRP): void {
    this.unmapPeer(irp.Tail.Overlay.DriverContext[1] as PeerMapping);
    completeRequest(this.k, irp, STATUS.CANCELLED);
  }

  /** Cleanup of a handle: cancel its queued transfers, stop the one on the device, then give back what that one held. */
  protected cleanup(irp: IRP, file: FILE_OBJECT): NtStatus {
    const k = this.k;
    for (let q = k.IoCsqRemoveNextIrp(this.queue, file); q; q = k.IoCsqRemoveNextIrp(this.queue, file)) this.cancelledWhileQueued(q);
    if (this.active?.file === file) {
      this.stopOnDevice();
      this.watchdog.cancel();
      const stopped = this.active;
      this.active = null;
      this.putList(stopped);
      this.releaseStopped(stopped);
      completeRequest(k, stopped.irp, STATUS.CANCELLED);
    }
    completeRequest(k, irp, STATUS.SUCCESS);
    this.startNext();
    return STATUS.SUCCESS;
  }

  // --- the machinery ------------------------------------------------------------------

  private transfer(irp: IRP, file: FILE_OBJECT): NtStatus {
    const k = this.k;
    const input = bufferedInput(k, irp, P2P_ORDER_BYTES);
    const order = input ? decodePeerOrder(input) : null;
    if (!order || !this.transferLengthAllowed(order.bytes) || !this.insidePeerWindow(order)) return completeRequest(k, irp, STATUS.INVALID_PARAMETER);
    const mapping = this.mapPeer(order);
    if (typeof mapping === 'number') return completeRequest(k, irp, mapping);
    irp.Tail.Overlay.DriverContext[0] = order;
    irp.Tail.Overlay.DriverContext[1] = mapping;
    k.IoCsqInsertIrp(this.queue, irp, null);
    this.startNext();
    return STATUS.PENDING;
  }

  /** Start the next queued transfer if the device is free. */
  private startNext(): void {
    while (!this.active) {
      const irp = this.k.IoCsqRemoveNextIrp(this.queue, null);
      if (!irp) return;
      const file = this.k.IoGetCurrentIrpStackLocation(irp).FileObject!;
      const [order, mapping] = irp.Tail.Overlay.DriverContext as [PeerTransferOrder, PeerMapping];
      this.active = { irp, file, order, mapping, done: 0, list: null, listPending: false, releaseWhenMapped: false };
      const status = this.startPiece(this.active);
      if (!NT_SUCCESS(status)) this.finish(status);
    }
  }

  /** Get the device addresses of the next piece of the peer's memory and start the device on it. */
  private startPiece(t: PeerTransfer): NtStatus {
    const k = this.k;
    const length = Math.min(this.longestMappedTransfer, t.order.bytes - t.done);
    const va = t.mapping.va + t.done;
    const adapter = this.adapter!;
    t.listPending = true;
    // The device reads the peer's memory for a transfer from it: that is the HAL's "write to device".
    const status = atDispatchLevel(k, () => adapter.DmaOperations.GetScatterGatherList(adapter, this.fdo, t.mapping.mdl, va, length,
      (_d, _i, list: SCATTER_GATHER_LIST) => this.pieceMapped(t, list, length), null, t.order.fromPeer));
    if (!NT_SUCCESS(status)) t.listPending = false;
    return status;
  }

  /** The execution routine (DISPATCH_LEVEL): start the device on the piece, unless cleanup stopped the transfer meanwhile. */
  private pieceMapped(t: PeerTransfer, list: SCATTER_GATHER_LIST, length: number): void {
    t.listPending = false;
    t.list = list;
    if (this.active !== t) {
      this.putList(t);
      if (t.releaseWhenMapped) this.unmapPeer(t.mapping);
      return;
    }
    const count = this.ring!.write(this.pieceDescriptors(t, list, length));
    this.registers!.startRing(this.ring!.logicalAddress, count, { toDevice: t.order.fromPeer, streamOffset: t.order.streamOffset + t.done });
    t.done += length;
    this.watchdog.arm(TRANSFER_TIMEOUT_MS);
  }

  private putList(t: PeerTransfer): void {
    if (!t.list) return;
    const adapter = this.adapter!;
    atDispatchLevel(this.k, () => adapter.DmaOperations.PutScatterGatherList(adapter, t.list!, t.order.fromPeer));
    t.list = null;
  }

  /** The DPC: the piece on the device ended. */
  transferInterrupt(_pending: number): void {
    const result = this.registers!.result();
    if (result.busy) return;
    const t = this.active;
    if (!t) return;
    this.watchdog.cancel();
    this.putList(t);
    if (!result.done) return this.finish(result.removed ? STATUS.DEVICE_NOT_CONNECTED : STATUS.IO_DEVICE_ERROR);
    if (t.done < t.order.bytes) {
      const status = this.startPiece(t);
      if (!NT_SUCCESS(status)) this.finish(status);
      return;
    }
    this.finish(STATUS.SUCCESS);
  }

  private finish(status: NtStatus): void {
    const t = this.active!;
    this.active = null;
    this.putList(t);
    this.unmapPeer(t.mapping);
    completeRequest(this.k, t.irp, status, NT_SUCCESS(status) ? t.order.bytes : 0);
    this.startNext();
  }

  private transferTimedOut(): void {
    if (!this.active) return;
    const result = this.registers!.result();
    if (result.busy) {
      this.registers!.abort();
      return;
    }
    this.transferInterrupt(0);
  }
}

/** The peer-to-peer driver built from a PeerToPeerDevice class (the reference one, or a variant of it). */
export function peerToPeerDriver(identity: DriverIdentity, Device: new (k: KernelApi, fdo: DEVICE_OBJECT, pdo: DEVICE_OBJECT) => PeerToPeerDevice = PeerToPeerDevice) {
  return referenceDriver({ identity, conformanceClasses: ['peer-to-peer-dma'], createDevice: (k, fdo, pdo) => new Device(k, fdo, pdo) });
}

export default peerToPeerDriver({
  name: 'peer-to-peer',
  description: 'Moves the DMA test device\'s data straight into or out of another PCI function\'s memory BAR, checked against the BARs found at start, mapped for the device through MmMapIoSpace, an MDL for non-paged memory and a scatter/gather list.',
});
