import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DMA_CAPABILITY_OFFSET, DmaCapabilityFlag, PciCommand, PciConfigOffset, PciConfigSpace, PciStatus,
} from '../../src/pci/config-space';

function space(dma64 = true) {
  return new PciConfigSpace({
    vendorId: 0x1234, deviceId: 0x5678, classCode: 0x080100, interruptPin: 1, dma64BitCapable: dma64,
    bars: [{ kind: 'memory', size: 4096 }, { kind: 'io', size: 16 }, { kind: 'memory', size: 2 ** 28, is64Bit: true, prefetchable: true }],
  });
}

test('BAR sizing: writing all ones reads back the size mask with the type bits', () => {
  const c = space();
  c.write(PciConfigOffset.Bar0, 4, 0xffffffff);
  assert.equal(c.read(PciConfigOffset.Bar0, 4), (~(4096 - 1) >>> 0));
  c.write(PciConfigOffset.Bar0 + 4, 4, 0xffffffff);
  assert.equal(c.read(PciConfigOffset.Bar0 + 4, 4), ((~(16 - 1)) | 0x1) >>> 0);
  c.write(PciConfigOffset.Bar0 + 8, 4, 0xffffffff);
  assert.equal(c.read(PciConfigOffset.Bar0 + 8, 4), ((~(2 ** 28 - 1)) | 0x4 | 0x8) >>> 0);
  c.assignBar(2, 0xe000_0000);
  assert.equal(c.barAddress(2), 0xe000_0000);
  assert.throws(() => c.assignBar(0, 0xe000_0100), /not aligned/);
});

test('command bits enable decoding and bus mastering; status error bits clear by writing one', () => {
  const c = space();
  assert.equal(c.busMasterEnabled, false);
  c.write(PciConfigOffset.Command, 2, PciCommand.MemorySpace | PciCommand.BusMaster | 0x8000);
  assert.equal(c.command, PciCommand.MemorySpace | PciCommand.BusMaster, 'reserved bits stay zero');
  assert.ok(c.busMasterEnabled && c.memorySpaceEnabled && !c.ioSpaceEnabled);
  c.recordMasterAbort();
  assert.ok((c.read(PciConfigOffset.Status, 2) & PciStatus.ReceivedMasterAbort) !== 0);
  c.write(PciConfigOffset.Status, 2, PciStatus.ReceivedMasterAbort);
  assert.equal(c.read(PciConfigOffset.Status, 2) & PciStatus.ReceivedMasterAbort, 0);
  assert.ok((c.status & PciStatus.CapabilitiesList) !== 0, 'read-only bits survive');
  c.write(PciConfigOffset.VendorId, 2, 0);
  assert.equal(c.vendorId, 0x1234, 'IDs are read-only');
});

test('the DMA-addressing capability says whether the function emits 64-bit addresses; removed reads all ones', () => {
  assert.equal(space(true).read(DMA_CAPABILITY_OFFSET + 3, 1) & DmaCapabilityFlag.Addressing64Bit, 1);
  const narrow = space(false);
  assert.equal(narrow.read(narrow.read(PciConfigOffset.CapabilitiesPointer, 1) + 3, 1) & DmaCapabilityFlag.Addressing64Bit, 0);
  narrow.removed = true;
  assert.equal(narrow.read(PciConfigOffset.VendorId, 2), 0xffff);
  assert.equal(narrow.read(PciConfigOffset.Command, 4), 0xffffffff);
});

test('impossible BAR layouts are refused with the reason', () => {
  const make = (bars: ConstructorParameters<typeof PciConfigSpace>[0]['bars']) =>
    new PciConfigSpace({ vendorId: 1, deviceId: 1, classCode: 0, interruptPin: 0, dma64BitCapable: false, bars });
  assert.throws(() => make([{ kind: 'memory', size: 3000 }]), /power of two/);
  assert.throws(() => make([{ kind: 'io', size: 512 }]), /4\.\.256/);
  assert.throws(() => make([{ kind: 'memory', size: 4096, is64Bit: true }, { kind: 'memory', size: 4096 }]), /upper half/);
});
