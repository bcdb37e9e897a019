/**
 * What a bus-master driver does for one scatter/gather transfer into a user
 * buffer, written against the simulated kernel the way a driver is:
 *
 *   IoAllocateMdl + MmProbeAndLockPages            (lock)
 *   BuildScatterGatherList into a preallocated
 *     buffer, at DISPATCH_LEVEL                     (build list)
 *   descriptor ring written into a common buffer,
 *     registers programmed, device started          (device DMA)
 *   simulated time runs until the device is done,
 *     interrupt status acknowledged,
 *     PutScatterGatherList                          (complete)
 *   MmUnlockPages + IoFreeMdl                       (unlock)
 *
 * The benchmarks time these steps; nothing here reads a real clock.
 */
import { DISPATCH_LEVEL } from '../../src/machine/irql';
import { Machine } from '../../src/machine/machine';
import { STATUS } from '../../src/machine/ntstatus';
import { PAGE_SIZE } from '../../src/contracts/units';
import { Process } from '../../src/kernel/io/process';
import { MDL } from '../../src/kernel/mm/mdl';
import { DMA_ADAPTER, DmaAdapter, adapterOf } from '../../src/kernel/hal/dma-adapter';
import { SCATTER_GATHER_LIST } from '../../src/kernel/hal/scatter-gather-list';
import { READ_REGISTER_ULONG, WRITE_REGISTER_ULONG } from '../../src/kernel/hal/register-access';
import { PciCommand, PciConfigOffset } from '../../src/pci/config-space';
import { DESCRIPTOR_SIZE, DescriptorFlag, DmaControl, DmaInterrupt, DmaRegister } from '../../src/contracts/dma-test-device-registers';

/** Descriptors the device accepts in one ring (docs/dma-device.md). */
const MAX_RING_DESCRIPTORS = 4096;

export class TransferFailed extends Error {
  constructor(why: string) {
    super(`scatter/gather transfer failed: ${why}`);
    this.name = 'TransferFailed';
  }
}

/** The driver-side state that lives as long as the device: adapter, ring, list buffer. */
export class ScatterGatherDriver {
  readonly adapter: DmaAdapter;
  private readonly dmaAdapter: DMA_ADAPTER;
  private readonly ringVa: number;
  private readonly ringDeviceAddress: number;
  private readonly ringBytes: Uint8Array;
  private readonly ringView: DataView;
  private readonly listBufferVa: number;
  private readonly listBufferBytes: number;
  private readonly maxDescriptorLength: number;
  private readonly deviceObject = {};
  /** Elements of the last list built, for the benchmarks' notes. */
  lastListElements = 0;

  /**
   * `maxTransferBytes`: the longest transfer the driver will ask for; the
   * adapter, the list buffer and the ring are sized for it at start-up.
   */
  constructor(readonly machine: Machine, readonly maxTransferBytes: number) {
    const m = machine;
    const granted = { value: 0 };
    const a = m.hal.IoGetDmaAdapter(
      { name: m.dmaDevice.name, requesterId: m.dmaDevice.requesterId },
      { Version: 3, Master: true, ScatterGather: true, Dma32BitAddresses: true, Dma64BitAddresses: true, InterfaceType: 'PCIBus', MaximumLength: maxTransferBytes },
      granted,
    );
    if (!a) throw new TransferFailed(`IoGetDmaAdapter returned NULL: ${m.hal.lastAdapterFailure}`);
    this.dmaAdapter = a;
    this.adapter = adapterOf(a);
    const pages = Math.ceil(maxTransferBytes / PAGE_SIZE) + 1;
    this.maxDescriptorLength = READ_REGISTER_ULONG(m.bus, m.dmaDevice.registerAddress(DmaRegister.MaxTransferLength));
    // Worst case: every page its own element, and each element cut to the device's descriptor limit.
    const descriptors = pages * Math.max(1, Math.ceil(PAGE_SIZE / this.maxDescriptorLength));
    if (descriptors > MAX_RING_DESCRIPTORS) throw new TransferFailed(`${maxTransferBytes} bytes may need ${descriptors} descriptors; the device takes at most ${MAX_RING_DESCRIPTORS}`);
    const logical = { QuadPart: 0 };
    const ring = a.DmaOperations.AllocateCommonBuffer(a, descriptors * DESCRIPTOR_SIZE, logical, true);
    if (ring === null) throw new TransferFailed('AllocateCommonBuffer for the descriptor ring returned NULL');
    this.ringVa = ring;
    this.ringDeviceAddress = logical.QuadPart;
    this.ringBytes = new Uint8Array(descriptors * DESCRIPTOR_SIZE);
    this.ringView = new DataView(this.ringBytes.buffer);
    const size = a.DmaOperations.CalculateScatterGatherList(a, null, 0, maxTransferBytes + PAGE_SIZE - 1);
    if (size.status !== STATUS.SUCCESS) throw new TransferFailed(`CalculateScatterGatherList: status 0x${size.status.toString(16)}`);
    const buffer = m.mm.ExAllocatePoolWithTag('NonPagedPool', size.scatterGatherListSize, 'BnSg');
    if (buffer === null) throw new TransferFailed(`no non-paged pool for a ${size.scatterGatherListSize}-byte list buffer`);
    this.listBufferVa = buffer;
    this.listBufferBytes = size.scatterGatherListSize;
    const rid = m.dmaDevice.requesterId;
    const command = m.bus.configRead(rid, PciConfigOffset.Command, 2);
    m.bus.configWrite(rid, PciConfigOffset.Command, 2, command | PciCommand.BusMaster);
  }

  /** IoAllocateMdl + MmProbeAndLockPages for device-to-host DMA, in the process's context. */
  lock(process: Process, va: number, bytes: number): MDL {
    const k = this.machine.kernel;
    return this.machine.cpu.inProcess(process, () => {
      const mdl = k.mdl.IoAllocateMdl(va, bytes, false, false, null);
      if (!mdl) throw new TransferFailed(`IoAllocateMdl(${bytes} bytes) returned NULL`);
      k.mdl.MmProbeAndLockPages(mdl, 'UserMode', 'IoWriteAccess');
      return mdl;
    });
  }

  unlock(mdl: MDL): void {
    this.machine.kernel.mdl.MmUnlockPages(mdl);
    this.machine.kernel.mdl.IoFreeMdl(mdl);
  }

  /** BuildScatterGatherList into the driver's preallocated buffer; the list its execution routine received. */
  buildList(mdl: MDL, va: number, bytes: number, writeToDevice: boolean): SCATTER_GATHER_LIST {
    const a = this.dmaAdapter;
    let list: SCATTER_GATHER_LIST | null = null;
    const status = this.machine.cpu.atIrql(DISPATCH_LEVEL, () =>
      a.DmaOperations.BuildScatterGatherList(a, this.deviceObject, mdl, va, bytes, (_d, _i, sg) => {
        list = sg;
      }, null, writeToDevice, this.listBufferVa, this.listBufferBytes));
    if (status !== STATUS.SUCCESS || !list) throw new TransferFailed(`BuildScatterGatherList: status 0x${status.toString(16)}`);
    this.lastListElements = (list as SCATTER_GATHER_LIST).NumberOfElements;
    return list;
  }

  putList(list: SCATTER_GATHER_LIST, writeToDevice: boolean): void {
    const a = this.dmaAdapter;
    this.machine.cpu.atIrql(DISPATCH_LEVEL, () => a.DmaOperations.PutScatterGatherList(a, list, writeToDevice));
  }

  /**
   * Device-to-host DMA of the list's bytes: the ring is written into the
   * common buffer, the device started with its pattern at stream offset 0,
   * and simulated time runs until it is done; its interrupt status is then
   * read and acknowledged, as an ISR would.
   */
  deviceWrites(list: SCATTER_GATHER_LIST): void {
    const m = this.machine;
    const count = this.writeRing(list);
    const reg = (offset: number, value: number) => WRITE_REGISTER_ULONG(m.bus, m.dmaDevice.registerAddress(offset), value);
    reg(DmaRegister.RingBaseLow, this.ringDeviceAddress % 2 ** 32);
    reg(DmaRegister.RingBaseHigh, Math.floor(this.ringDeviceAddress / 2 ** 32));
    reg(DmaRegister.RingCount, count);
    reg(DmaRegister.StreamOffsetLow, 0);
    reg(DmaRegister.StreamOffsetHigh, 0);
    reg(DmaRegister.Control, DmaControl.ModeDescriptorRing | DmaControl.Start);
    m.clock.runUntil(() => m.dmaDevice.status !== 'busy', 'benchmark DMA transfer');
    const interrupts = READ_REGISTER_ULONG(m.bus, m.dmaDevice.registerAddress(DmaRegister.InterruptStatus));
    reg(DmaRegister.InterruptAck, interrupts);
    if (m.dmaDevice.status !== 'done' || !(interrupts & DmaInterrupt.Done)) {
      throw new TransferFailed(`the device ended in state ${m.dmaDevice.status} with error code ${m.dmaDevice.errorCode}`);
    }
  }

  /** The whole transfer: lock, build list, device DMA, complete, unlock. */
  transfer(process: Process, va: number, bytes: number): void {
    const mdl = this.lock(process, va, bytes);
    const list = this.buildList(mdl, va, bytes, false);
    this.deviceWrites(list);
    this.putList(list, false);
    this.unlock(mdl);
  }

  /** The descriptors of the list, each cut to the device's maximum length, into the ring; returns their count. */
  private writeRing(list: SCATTER_GATHER_LIST): number {
    const v = this.ringView;
    let n = 0;
    for (const e of list.Elements) {
      for (let at = 0; at < e.Length; at += this.maxDescriptorLength) {
        const address = e.Address + at;
        const o = n * DESCRIPTOR_SIZE;
        v.setUint32(o, address % 2 ** 32, true);
        v.setUint32(o + 4, Math.floor(address / 2 ** 32), true);
        v.setUint32(o + 8, Math.min(this.maxDescriptorLength, e.Length - at), true);
        v.setUint32(o + 12, 0, true);
        n++;
      }
    }
    if (n > this.ringBytes.length / DESCRIPTOR_SIZE) throw new TransferFailed(`the list needs ${n} descriptors; the ring holds ${this.ringBytes.length / DESCRIPTOR_SIZE}`);
    v.setUint32((n - 1) * DESCRIPTOR_SIZE + 12, DescriptorFlag.Last, true);
    this.machine.mm.writeVirtual(this.ringVa, this.ringBytes.subarray(0, n * DESCRIPTOR_SIZE));
    return n;
  }
}

/** A committed user buffer of `bytes` in `process`, every page touched once so it is resident. */
export function residentUserBuffer(machine: Machine, process: Process, bytes: number): number {
  const va = machine.mm.allocateVirtual(process.addressSpace, bytes);
  const one = new Uint8Array(1);
  machine.cpu.inProcess(process, () => {
    for (let at = 0; at < bytes; at += PAGE_SIZE) machine.mm.writeVirtual(va + at, one);
  });
  return va;
}

/** True when the buffer holds the device's pattern from stream offset 0. */
export function holdsDevicePattern(machine: Machine, process: Process, va: number, bytes: number): boolean {
  const got = machine.cpu.inProcess(process, () => machine.mm.readVirtual(va, bytes));
  return machine.dmaDevice.pattern.firstMismatch(0, got) < 0;
}
