/**
 * A small machine for the PCI tests: physical memory, clock, CPU, an optional
 * IOMMU, the bus with a recording observer, the DMA test device and
 * optionally the GPU. Plus the few register sequences a driver would write.
 */
import { defaultBootConfig } from '../../src/machine/boot-config';
import { Clock } from '../../src/machine/clock';
import { Cpu } from '../../src/machine/cpu';
import { GiB, PAGE_SIZE } from '../../src/contracts/units';
import { FrameState, PhysicalMemory } from '../../src/kernel/mm/physical-memory';
import { Iommu } from '../../src/kernel/hal/iommu';
import { PciBus } from '../../src/pci/bus';
import { PciCommand, PciConfigOffset } from '../../src/pci/config-space';
import { RecordingDmaObserver } from '../../src/pci/dma-observer';
import { DmaTestDevice, DmaTestDeviceOptions } from '../../src/pci/dma-device';
import { DESCRIPTOR_SIZE, DmaControl, DmaRegister } from '../../src/contracts/dma-test-device-registers';
import { GpuDevice } from '../../src/pci/gpu-device';
import { READ_REGISTER_ULONG, WRITE_REGISTER_ULONG } from '../../src/kernel/hal/register-access';

export interface FixtureOptions {
  readonly iommu?: boolean;
  readonly dma?: DmaTestDeviceOptions;
  readonly gpu?: boolean;
  readonly seed?: number;
}

export function bootPci(options: FixtureOptions = {}) {
  const config = defaultBootConfig({ ramBytes: 8 * GiB, iommu: options.iommu ?? false, seed: options.seed ?? 1 });
  const physical = new PhysicalMemory(config);
  const clock = new Clock();
  const cpu = new Cpu();
  const iommu = config.iommu ? new Iommu(clock) : null;
  const observer = new RecordingDmaObserver();
  const bus = new PciBus({ config, clock, cpu, physical, iommu, observer });
  const dma = new DmaTestDevice(clock, options.dma);
  bus.attach(dma);
  const gpu = options.gpu ? new GpuDevice() : null;
  if (gpu) bus.attach(gpu);
  const owner = physical.registerOwner((id) => ({ ownerId: id, ownerName: 'test' }));
  /** One non-paged frame; returns its physical address. */
  const frame = (): number => physical.allocateFrame(owner, 0, FrameState.NonPaged) * PAGE_SIZE;
  return { config, physical, clock, cpu, iommu, observer, bus, dma, gpu, owner, frame };
}

export type Pci = ReturnType<typeof bootPci>;

export function setBusMaster(pci: Pci, on: boolean): void {
  const rid = pci.dma.requesterId;
  const command = pci.bus.configRead(rid, PciConfigOffset.Command, 2);
  pci.bus.configWrite(rid, PciConfigOffset.Command, 2, on ? command | PciCommand.BusMaster : command & ~PciCommand.BusMaster);
}

export interface Descriptor {
  readonly address: number;
  readonly length: number;
  readonly flags: number;
}

export function writeDescriptors(pci: Pci, ringAddress: number, descriptors: readonly Descriptor[]): void {
  const bytes = new Uint8Array(descriptors.length * DESCRIPTOR_SIZE);
  const v = new DataView(bytes.buffer);
  descriptors.forEach((d, i) => {
    v.setUint32(i * 16, d.address % 2 ** 32, true);
    v.setUint32(i * 16 + 4, Math.floor(d.address / 2 ** 32), true);
    v.setUint32(i * 16 + 8, d.length, true);
    v.setUint32(i * 16 + 12, d.flags, true);
  });
  pci.physical.write(ringAddress, bytes);
}

export function reg(pci: Pci, offset: number): number {
  return READ_REGISTER_ULONG(pci.bus, pci.dma.registerAddress(offset));
}

export function setReg(pci: Pci, offset: number, value: number): void {
  WRITE_REGISTER_ULONG(pci.bus, pci.dma.registerAddress(offset), value);
}

/** Program and start a descriptor-ring transfer, as a driver would. */
export function startRing(pci: Pci, ringAddress: number, count: number, control: number): void {
  setReg(pci, DmaRegister.RingBaseLow, ringAddress % 2 ** 32);
  setReg(pci, DmaRegister.RingBaseHigh, Math.floor(ringAddress / 2 ** 32));
  setReg(pci, DmaRegister.RingCount, count);
  setReg(pci, DmaRegister.Control, control | DmaControl.ModeDescriptorRing | DmaControl.Start);
}

/** Program and start a single-buffer transfer. */
export function startSingle(pci: Pci, address: number, length: number, control: number): void {
  setReg(pci, DmaRegister.BufferAddressLow, address % 2 ** 32);
  setReg(pci, DmaRegister.BufferAddressHigh, Math.floor(address / 2 ** 32));
  setReg(pci, DmaRegister.BufferLength, length);
  setReg(pci, DmaRegister.Control, control | DmaControl.Start);
}
