/**
 * The verifier's device-access check in detail: what counts as inside a
 * mapping, the sub-codes of 0x0F, mappings ending, and the order of checks.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { PAGE_SIZE } from '../../src/contracts/units';
import { DeviceMapping, describeFinding } from '../../src/kernel/verifier/dma-verifier';
import { DeviceRamAccess } from '../../src/pci/dma-observer';
import { HalMachine, bootHal } from '../hal/hal-fixture';

const DEVICE = 8;

/** A non-paged frame's physical address. */
function nonPagedFrame(t: HalMachine): number {
  return t.machine.mm.physicalAddressOf(t.machine.mm.ExAllocatePoolWithTag('NonPagedPool', PAGE_SIZE, 'Test')!);
}

function access(address: number, length: number, device = DEVICE): DeviceRamAccess {
  return { device, deviceName: 'dma0', busAddress: address, physicalAddress: address, pfn: Math.floor(address / PAGE_SIZE), length, write: true, atNs: 0 };
}

function mapping(ranges: { address: number; length: number }[], requesterId: number | null = DEVICE): DeviceMapping {
  return { kind: 'common-buffer', requesterId, adapterId: 1, ranges, mdlId: 0, writeToDevice: null, label: 'test mapping' };
}

describe('device accesses', () => {
  it('inside a mapped range passes; an access straddling two adjacent ranges passes; past the end does not', () => {
    const t = bootHal();
    const v = t.hal.verifier;
    const pa = nonPagedFrame(t);
    v.registerMapping(mapping([{ address: pa, length: 1000 }]));
    v.registerMapping(mapping([{ address: pa + 1000, length: 1000 }]));
    v.onDeviceAccess(access(pa + 10, 900));
    v.onDeviceAccess(access(pa + 900, 200));
    assert.equal(v.findings.length, 0);
    v.onDeviceAccess(access(pa + 1900, 200));
    assert.equal(v.findings.length, 1);
    assert.equal(v.findings[0]!.id, 'VER-DMA-OUTSIDE-BUFFER');
    assert.deepEqual(v.findings[0]!.parameters.slice(1), [0x05, pa + 1000, pa + 1900], 'padding after the buffer: P3 its start, P4 the address hit');
    assert.equal(v.checkedAccesses, 3);
  });

  it('sub-codes as documented: padding before the nearest buffer (0x04), after it (0x05), a free map register (0x03)', () => {
    const t = bootHal();
    const v = t.hal.verifier;
    const pa = nonPagedFrame(t);
    v.registerMapping(mapping([{ address: pa + 2048, length: 100 }]));
    v.onDeviceAccess(access(pa, 16));
    v.onDeviceAccess(access(pa + 3000, 16));
    v.onDeviceAccess(access(pa, 16, DEVICE + 8));
    assert.deepEqual(v.findings.map((f) => f.parameters.slice(1)), [
      [0x04, pa + 2048, pa],
      [0x05, pa + 2048, pa + 3000],
      [0x03, pa, 0],
    ]);
    assert.match(describeFinding(v.findings[0]!), /before the nearest mapped buffer/);
    assert.match(describeFinding(v.findings[2]!), /^VER-DMA-OUTSIDE-BUFFER .*\(no buffer is mapped for the device at all\)$/);
  });

  it('a mapping that ended no longer covers the device', () => {
    const t = bootHal();
    const v = t.hal.verifier;
    const pa = nonPagedFrame(t);
    const m = mapping([{ address: pa, length: PAGE_SIZE }]);
    v.registerMapping(m);
    v.onDeviceAccess(access(pa, PAGE_SIZE));
    v.unregisterMapping(m);
    v.onDeviceAccess(access(pa, PAGE_SIZE));
    assert.equal(v.findings.length, 1);
    assert.deepEqual(v.mappingsOf(DEVICE), []);
    assert.throws(() => v.unregisterMapping(m), /not registered/);
  });

  it('an unlocked frame is reported as such even when a mapping covers it, naming the mapping\'s MDL', () => {
    const t = bootHal();
    const v = t.hal.verifier;
    const va = t.machine.mm.allocateVirtual(t.app.addressSpace, PAGE_SIZE);
    t.machine.cpu.inProcess(t.app, () => t.machine.mm.writeVirtual(va, Uint8Array.of(1)));
    const pa = t.machine.mm.physicalAddressOf(va, t.app.addressSpace);
    v.registerMapping({ ...mapping([{ address: pa, length: PAGE_SIZE }]), mdlId: 4242 });
    v.onDeviceAccess(access(pa, 64));
    assert.equal(v.findings[0]!.id, 'VER-UNLOCKED-DMA');
    assert.deepEqual(v.findings[0]!.parameters, [0x0e, 4242, Math.floor(pa / PAGE_SIZE), 1]);
    assert.match(v.findings[0]!.details, /neither locked nor non-paged; the frame now belongs to app/);
  });

  it('a mapping of a device off the bus is ignored (it can never reach the observer)', () => {
    const t = bootHal();
    const v = t.hal.verifier;
    v.registerMapping(mapping([{ address: 0x100000, length: 10 }], null));
    assert.deepEqual(v.mappingsOf(DEVICE), []);
  });
});
