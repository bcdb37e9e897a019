/**
 * An MDL over device memory: another device's BAR mapped with MmMapIoSpace
 * and described by MmBuildMdlForNonPagedPool (MDL_IO_SPACE) maps for a bus
 * master like any MDL, so a driver gets device addresses for a peer's memory
 * from GetScatterGatherList: the BAR's bus address without an IOMMU, an IOVA
 * mapped to it with one. The device's DMA then lands in the peer's memory and
 * nothing crosses host RAM (DEV-6).
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { KiB, PAGE_SIZE } from '../../src/contracts/units';
import { MDL_IO_SPACE, MDL_SOURCE_IS_NONPAGED_POOL } from '../../src/kernel/mm/mdl';
import { PciCommand } from '../../src/pci/config-space';
import { runSingleTransfers } from '../../src/scenarios/dma-test-device-programming';
import { DISPATCH_LEVEL } from '../../src/machine/irql';
import { adapterFor, bootHal, getList } from './hal-fixture';

describe('MmBuildMdlForNonPagedPool over a mapping of I/O space', () => {
  for (const iommu of [false, true]) {
    it(`describes the BAR's pages, and GetScatterGatherList maps them for a peer device (IOMMU ${iommu ? 'on' : 'off'})`, () => {
      const t = bootHal({ iommu });
      const { machine } = t;
      const gpu = machine.gpu!;
      const bytes = 64 * KiB;
      const allocation = gpu.allocateGpuMemory(bytes)!;
      const va = machine.mm.MmMapIoSpace(allocation.busAddress, bytes)!;
      const mdl = machine.kernel.mdl.IoAllocateMdl(va, bytes, false, false, null)!;
      machine.kernel.mdl.MmBuildMdlForNonPagedPool(mdl);
      assert.equal(mdl.MdlFlags & (MDL_IO_SPACE | MDL_SOURCE_IS_NONPAGED_POOL), MDL_IO_SPACE | MDL_SOURCE_IS_NONPAGED_POOL);
      assert.deepEqual(mdl.PfnArray, Array.from({ length: bytes / PAGE_SIZE }, (_, i) => allocation.busAddress / PAGE_SIZE + i));

      const adapter = adapterFor(t);
      const { status, list } = getList(adapter, mdl, va, bytes, false);
      assert.equal(status, 0);
      assert.ok(list);
      const rid = machine.dmaDevice.requesterId!;
      for (const e of list.Elements) {
        const reached = iommu ? machine.iommu!.lookup(rid, e.Address)?.physicalAddress : e.Address;
        assert.ok(reached !== undefined && reached >= allocation.busAddress && reached + e.Length <= allocation.busAddress + bytes, `element at 0x${e.Address.toString(16)} reaches 0x${reached?.toString(16)}`);
      }
      if (iommu) assert.notEqual(list.Elements[0]!.Address, allocation.busAddress, 'behind an IOMMU the device address is an IOVA');

      machine.dmaDevice.config.setCommandBits(PciCommand.BusMaster, true);
      const ramBefore = machine.bus.stats.dmaBytesToRam + machine.bus.stats.dmaBytesFromRam;
      const result = runSingleTransfers(machine, list.Elements.map((e) => ({ address: e.Address, length: e.Length })), 'from-device', 'polling');
      assert.equal(result.state, 'done');
      assert.deepEqual(gpu.readGpuMemory(allocation.offset, bytes), machine.dmaDevice.pattern.expected(0, bytes));
      assert.equal(machine.bus.stats.dmaBytesToRam + machine.bus.stats.dmaBytesFromRam, ramBefore, 'no byte crossed host RAM');
      assert.deepEqual(t.hal.verifier.findings.map((f) => f.id), []);

      machine.cpu.atIrql(DISPATCH_LEVEL, () => adapter.DmaOperations.PutScatterGatherList(adapter, list, false));
      machine.kernel.mdl.IoFreeMdl(mdl);
      machine.mm.MmUnmapIoSpace(va, bytes);
      if (iommu) assert.equal(machine.iommu!.mappedPages(rid), 0, 'the list took its IOVA mapping with it');
    });
  }

  it('over RAM mapped as I/O space is still verifier stop 0xC4/0x7F', () => {
    const { machine } = bootHal({ verifierMode: 'bugcheck' });
    const kernelVa = machine.mm.ExAllocatePoolWithTag('PagedPool', PAGE_SIZE, 'Page')!;
    machine.mm.writeVirtual(kernelVa, Uint8Array.of(1));
    const va = machine.mm.MmMapIoSpace(machine.mm.physicalAddressOf(kernelVa), PAGE_SIZE)!;
    const mdl = machine.kernel.mdl.IoAllocateMdl(va, PAGE_SIZE, false, false, null)!;
    assert.throws(() => machine.kernel.mdl.MmBuildMdlForNonPagedPool(mdl), (e: Error & { code?: number; parameters?: number[] }) => e.code === 0xc4 && e.parameters?.[0] === 0x7f);
  });
});
