import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock } from '../../src/machine/clock';
import { PAGE_SIZE } from '../../src/contracts/units';
import { FrameFlag } from '../../src/kernel/mm/physical-memory';
import { Iommu } from '../../src/kernel/hal/iommu';
import { bootPci, setBusMaster } from './pci-fixture';

test('the IOMMU translates per device domain and page, honouring write permission', () => {
  const iommu = new Iommu(new Clock());
  iommu.map(0x08, 0x10_0000 + 0x123, 0x7654_3000 + 0x123, PAGE_SIZE + 10, false);
  assert.equal(iommu.translate(0x08, 0x10_0010, false), 0x7654_3010);
  assert.equal(iommu.translate(0x08, 0x10_1004, false), 0x7654_4004, 'second page of the mapping');
  assert.equal(iommu.mappedPages(0x08), 2);
  // Another device's domain does not see the mapping.
  assert.equal(iommu.translate(0x10, 0x10_0010, false), null);
  // A write through a read-only mapping is blocked.
  assert.equal(iommu.translate(0x08, 0x10_0010, true), null);
  assert.deepEqual(iommu.faults.map((f) => [f.device, f.iova, f.access, f.reason]), [
    [0x10, 0x10_0010, 'read', 'not-mapped'],
    [0x08, 0x10_0010, 'write', 'read-only'],
  ]);
  assert.throws(() => iommu.map(0x08, 0x10_0000, 0x9000_0000, 16, true), /already mapped/);
  assert.throws(() => iommu.map(0x08, 0x20_0001, 0x9000_0000, 16, true), /page offset/);
  iommu.unmap(0x08, 0x10_0000, 2 * PAGE_SIZE);
  assert.equal(iommu.translate(0x08, 0x10_0010, false), null);
  assert.throws(() => iommu.unmap(0x08, 0x10_0000, PAGE_SIZE), /not mapped/);
});

test('with an IOMMU, DMA outside the mapped ranges is blocked and recorded with device, address and access', () => {
  const pci = bootPci({ iommu: true });
  setBusMaster(pci, true);
  const rid = pci.dma.requesterId;
  const target = pci.frame();
  const iova = 0x4000_0000;
  pci.iommu!.map(rid, iova, target, PAGE_SIZE, true);
  // Inside the mapping: lands in the frame the IOVA maps to.
  const ok = pci.bus.dmaWrite(pci.dma, iova + 8, new Uint8Array([1, 2, 3]));
  assert.equal(ok.status, 'ok');
  assert.deepEqual(pci.physical.read(target + 8, 3), new Uint8Array([1, 2, 3]));
  assert.equal(pci.observer.ramAccesses[0]!.busAddress, iova + 8);
  assert.equal(pci.observer.ramAccesses[0]!.physicalAddress, target + 8);
  // The physical address itself is not reachable: it is not mapped as an IOVA.
  const other = pci.frame();
  const blocked = pci.bus.dmaWrite(pci.dma, other, new Uint8Array([9]));
  assert.deepEqual(blocked, { status: 'iommu-fault', bytesTransferred: 0, faultAddress: other });
  assert.equal(pci.physical.read(other, 1)[0], 0);
  assert.equal(pci.physical.flags[other / PAGE_SIZE]! & FrameFlag.DmaTouched, 0);
  const fault = pci.iommu!.faults.at(-1)!;
  assert.deepEqual([fault.device, fault.iova, fault.access], [rid, other, 'write']);
  assert.equal(pci.observer.faults.at(-1)!.kind, 'iommu-blocked');
  // A request running past the end of the mapping moves what is mapped, then stops.
  const spill = pci.bus.dmaWrite(pci.dma, iova + PAGE_SIZE - 4, new Uint8Array(8).fill(5));
  assert.equal(spill.status, 'iommu-fault');
  assert.equal(spill.bytesTransferred, 4);
  assert.equal(spill.faultAddress, iova + PAGE_SIZE);
});
