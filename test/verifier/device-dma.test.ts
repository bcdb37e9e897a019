/**
 * End to end: the DMA test device moves data through the bus into buffers
 * the HAL mapped, while the verifier watches every frame it touches. A
 * locked user buffer described by a scatter/gather list works, in both
 * directions, through bounce buffers and through the IOMMU; a buffer
 * unlocked and trimmed before the device writes stops the machine with
 * 0xE6 / 0x0E (PAGE-1).
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { BootConfig, FOUR_GIB } from '../../src/machine/boot-config';
import { BugCheck } from '../../src/machine/bug-check';
import { DISPATCH_LEVEL } from '../../src/machine/irql';
import { STATUS } from '../../src/machine/ntstatus';
import { PAGE_SIZE } from '../../src/contracts/units';
import { MDL } from '../../src/kernel/mm/mdl';
import { DmaAdapter } from '../../src/kernel/hal/dma-adapter';
import { SCATTER_GATHER_LIST } from '../../src/kernel/hal/scatter-gather-list';
import { HalMachine, adapterFor, bootHal, getList, lockedMdl, readUser, userBuffer } from '../hal/hal-fixture';
import { RingElement, ringBytes, setBusMaster, startRing, startSingle, waitForDevice } from './device-fixture';

const MAX = 64 * 1024; // the device's default maximum transfer length

/** Cut the list's elements to the device's maximum descriptor length. */
function ringElements(list: SCATTER_GATHER_LIST): RingElement[] {
  const out: RingElement[] = [];
  for (const e of list.Elements) {
    for (let at = 0; at < e.Length; at += MAX) out.push({ address: e.Address + at, length: Math.min(MAX, e.Length - at) });
  }
  return out;
}

interface Transfer {
  readonly adapter: DmaAdapter;
  readonly mdl: MDL;
  readonly va: number;
  readonly list: SCATTER_GATHER_LIST;
}

/** What a driver does to start a scatter/gather transfer: lock, map, write the ring into a common buffer, start. */
function startTransfer(t: HalMachine, adapter: DmaAdapter, bytes: number, toDevice: boolean, offset = 0): Transfer {
  const m = t.machine;
  const { va } = userBuffer(t, bytes, offset);
  if (toDevice) m.cpu.inProcess(t.app, () => m.mm.writeVirtual(va, m.dmaDevice.pattern.expected(0, bytes)));
  const mdl = lockedMdl(t, va, bytes, toDevice ? 'IoReadAccess' : 'IoWriteAccess');
  const { status, list } = getList(adapter, mdl, va, bytes, toDevice);
  assert.equal(status, STATUS.SUCCESS);
  const elements = ringElements(list!);
  const logical = { QuadPart: 0 };
  const ring = adapter.DmaOperations.AllocateCommonBuffer(adapter, elements.length * 16, logical, false);
  assert.ok(ring);
  m.mm.writeVirtual(ring, ringBytes(elements));
  setBusMaster(m, true);
  startRing(m, logical.QuadPart, elements.length, toDevice);
  return { adapter, mdl, va, list: list! };
}

function finish(t: HalMachine, x: Transfer, toDevice: boolean): void {
  t.machine.cpu.atIrql(DISPATCH_LEVEL, () => x.adapter.DmaOperations.PutScatterGatherList(x.adapter, x.list, toDevice));
  t.machine.kernel.mdl.MmUnlockPages(x.mdl);
  t.machine.kernel.mdl.IoFreeMdl(x.mdl);
}

function run(overrides: Partial<BootConfig>, dma64: boolean, toDevice: boolean): HalMachine {
  const t = bootHal({ verifierMode: 'bugcheck', ...overrides });
  const adapter = adapterFor(t, { Dma64BitAddresses: dma64 });
  const bytes = 300 * 1024 + 123;
  const x = startTransfer(t, adapter, bytes, toDevice, 777);
  assert.deepEqual(waitForDevice(t.machine), { state: 'done', error: 0 });
  finish(t, x, toDevice);
  if (toDevice) {
    assert.equal(t.machine.dmaDevice.checker.bytesChecked, bytes);
    assert.ok(t.machine.dmaDevice.checker.clean, 'every byte the device read was the pattern');
  } else {
    assert.deepEqual(readUser(t, x.va, bytes), t.machine.dmaDevice.pattern.expected(0, bytes), 'every byte the device wrote arrived');
  }
  assert.deepEqual(t.hal.verifier.findings, []);
  assert.ok(t.hal.verifier.checkedAccesses >= Math.ceil(bytes / PAGE_SIZE), 'the verifier saw every frame');
  return t;
}

describe('device DMA through a scatter/gather list', () => {
  it('device to host into a locked user buffer: the data arrives and the verifier finds nothing', () => {
    run({}, true, false);
  });

  it('host to device from a locked user buffer: the device reads exactly the pattern', () => {
    run({}, true, true);
  });

  it('a 32-bit device reaches pages above 4 GiB through bounce buffers, copied at put', () => {
    const t = run({ dmaDevice: { addressBits: 32, maxTransferLength: MAX, patternSeed: 3 } }, false, false);
    assert.ok(t.machine.dmaDevice.checker.clean);
    run({ dmaDevice: { addressBits: 32, maxTransferLength: MAX, patternSeed: 3 } }, false, true);
  });

  it('with the IOMMU on, the device is given IOVAs (a contiguous view) and reaches only what is mapped', () => {
    const t = bootHal({ iommu: true, verifierMode: 'bugcheck' });
    const adapter = adapterFor(t);
    const bytes = 40 * PAGE_SIZE;
    const x = startTransfer(t, adapter, bytes, false, 100);
    assert.equal(x.list.NumberOfElements, 1, 'consecutive IOVA pages: one element');
    assert.ok(x.list.Elements[0]!.Address < FOUR_GIB);
    assert.deepEqual(waitForDevice(t.machine), { state: 'done', error: 0 });
    finish(t, x, false);
    assert.deepEqual(readUser(t, x.va, bytes), t.machine.dmaDevice.pattern.expected(0, bytes));
    assert.equal(t.machine.iommu!.mappedPages(t.machine.dmaDevice.requesterId), 1, 'only the ring\'s common buffer stays mapped');
    // The list was put back: its IOVA no longer reaches memory.
    startSingle(t.machine, x.list.Elements[0]!.Address, PAGE_SIZE, false);
    assert.throws(() => waitForDevice(t.machine), (e: unknown) => e instanceof BugCheck && e.code === 0xe6 && e.parameters[0] === 0x26);
  });
});

describe('device DMA the verifier stops', () => {
  it('into a user buffer unlocked and trimmed before the device writes: bug check 0xE6, P1=0x0E, P2 the MDL', () => {
    const t = bootHal({ verifierMode: 'bugcheck' });
    const adapter = adapterFor(t);
    const bytes = 16 * PAGE_SIZE;
    const x = startTransfer(t, adapter, bytes, false);
    // The driver's bug: it unlocks before the transfer is done; memory pressure takes the pages.
    t.machine.kernel.mdl.MmUnlockPages(x.mdl);
    const report = t.machine.mm.applyMemoryPressure('severe', t.app.addressSpace);
    assert.ok(report.trimmedPages >= 16);
    const e = (() => {
      try {
        waitForDevice(t.machine);
      } catch (err) {
        return err;
      }
      return null;
    })();
    assert.ok(e instanceof BugCheck, `expected a bug check, got ${String(e)}`);
    assert.equal(e.code, 0xe6);
    assert.equal(e.parameters[0], 0x0e);
    assert.equal(e.parameters[1], x.mdl.id);
    assert.equal(t.machine.kernel.stopped, e);
    assert.equal(t.hal.verifier.findings[0]!.id, 'VER-UNLOCKED-DMA');
  });

  it('recording instead: the device goes on, every unlocked frame is a finding, the data lands in frames that are not the buffer\'s', () => {
    const t = bootHal();
    const adapter = adapterFor(t);
    const bytes = 8 * PAGE_SIZE;
    const x = startTransfer(t, adapter, bytes, false);
    t.machine.kernel.mdl.MmUnlockPages(x.mdl);
    t.machine.mm.applyMemoryPressure('severe', t.app.addressSpace);
    assert.deepEqual(waitForDevice(t.machine), { state: 'done', error: 0 });
    assert.equal(t.hal.verifier.findingsOf('VER-UNLOCKED-DMA').length, 8);
    assert.notDeepEqual(readUser(t, x.va, bytes), t.machine.dmaDevice.pattern.expected(0, bytes), 'the pages came back from the paging file without the device\'s data');
  });

  it('to a non-paged frame nothing mapped for the device: 0xE6 / 0x0F', () => {
    const t = bootHal({ verifierMode: 'bugcheck' });
    adapterFor(t);
    const pool = t.machine.mm.ExAllocatePoolWithTag('NonPagedPool', PAGE_SIZE, 'Othr')!;
    setBusMaster(t.machine, true);
    startSingle(t.machine, t.machine.mm.physicalAddressOf(pool), 512, false);
    assert.throws(() => waitForDevice(t.machine), (e: unknown) => e instanceof BugCheck && e.parameters[0] === 0x0f && e.parameters[1] === 3);
  });

  it('with bus mastering off: the request is refused and the verifier names DEV-1', () => {
    const t = bootHal();
    const adapter = adapterFor(t);
    const x = startTransfer(t, adapter, PAGE_SIZE, false);
    setBusMaster(t.machine, false);
    waitForDevice(t.machine);
    assert.ok(t.hal.verifier.findingsOf('VER-BUS-MASTER-OFF').length >= 1);
    finish(t, x, false);
  });
});
