/**
 * Two checks on how a driver maps: the device must move data the way the
 * driver told the HAL (WriteToDevice), and one scatter/gather list may span
 * no more pages than IoGetDmaAdapter granted map registers (SG-1). Each
 * bad case is found; the same transfer done right leaves no finding.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { BugCheck } from '../../src/machine/bug-check';
import { STATUS } from '../../src/machine/ntstatus';
import { PAGE_SIZE } from '../../src/contracts/units';
import { DISPATCH_LEVEL } from '../../src/machine/irql';
import { HalMachine, adapterFor, bootHal, findingIds, getList, lockedMdl, userBuffer } from '../hal/hal-fixture';
import { setBusMaster, startSingle, waitForDevice } from './device-fixture';

/** A one-page buffer mapped with `writeToDevice`, then a device transfer in direction `deviceReads` through it. */
function transferThrough(t: HalMachine, writeToDevice: boolean, deviceReads: boolean): void {
  const adapter = adapterFor(t);
  const { va } = userBuffer(t, PAGE_SIZE);
  const mdl = lockedMdl(t, va, PAGE_SIZE);
  const { status, list } = getList(adapter, mdl, va, PAGE_SIZE, writeToDevice);
  assert.equal(status, STATUS.SUCCESS);
  setBusMaster(t.machine, true);
  startSingle(t.machine, list!.Elements[0]!.Address, 512, deviceReads);
  waitForDevice(t.machine);
  t.machine.cpu.atIrql(DISPATCH_LEVEL, () => adapter.DmaOperations.PutScatterGatherList(adapter, list!, writeToDevice));
}

describe('VER-DIRECTION-MISMATCH', () => {
  it('the device writes a buffer mapped for a transfer to the device: a finding naming the mapping', () => {
    const t = bootHal();
    transferThrough(t, true, false);
    const f = t.hal.verifier.findingsOf('VER-DIRECTION-MISMATCH');
    assert.ok(f.length > 0, `findings: ${JSON.stringify(findingIds(t))}`);
    assert.equal(f[0]!.parameters[3], 1, 'P4: the device wrote');
    assert.match(f[0]!.details, /WriteToDevice=TRUE: the device may only read it/);
  });

  it('the device reads a buffer mapped for a transfer from the device: a finding', () => {
    const t = bootHal();
    transferThrough(t, false, true);
    const f = t.hal.verifier.findingsOf('VER-DIRECTION-MISMATCH');
    assert.ok(f.length > 0, `findings: ${JSON.stringify(findingIds(t))}`);
    assert.equal(f[0]!.parameters[3], 0, 'P4: the device read');
  });

  it('behind an IOMMU the write is refused before it lands: still named as a direction mismatch, not a missing mapping', () => {
    const t = bootHal({ iommu: true });
    transferThrough(t, true, false);
    assert.deepEqual([...new Set(findingIds(t))], ['VER-DIRECTION-MISMATCH']);
  });

  it('in bugcheck mode the machine stops with 0xE6 at the first access against the direction', () => {
    const t = bootHal({ verifierMode: 'bugcheck' });
    assert.throws(() => transferThrough(t, true, false), (e: unknown) => e instanceof BugCheck && e.code === 0xe6 && e.parameters[0] === 0x1010);
  });

  it('both directions done right, and a common buffer either way: nothing found', () => {
    const t = bootHal();
    transferThrough(t, true, true);
    transferThrough(t, false, false);
    const adapter = adapterFor(t);
    const logical = { QuadPart: 0 };
    assert.ok(adapter.DmaOperations.AllocateCommonBuffer(adapter, PAGE_SIZE, logical, false));
    for (const deviceReads of [true, false]) {
      startSingle(t.machine, logical.QuadPart, 256, deviceReads);
      waitForDevice(t.machine);
    }
    assert.deepEqual(findingIds(t), []);
  });
});

describe('VER-MAP-REGISTERS-BEYOND-GRANT', () => {
  /** An adapter granted `registers` map registers, and a locked buffer of `pages` pages starting `offset` bytes into its first page. */
  function listOf(registers: number, pages: number, offset: number) {
    const t = bootHal();
    const adapter = adapterFor(t, { MaximumLength: (registers - 1) * PAGE_SIZE }); // the HAL adds one register for an unaligned start
    assert.equal(adapter.numberOfMapRegisters, registers);
    const bytes = pages * PAGE_SIZE;
    const { va } = userBuffer(t, bytes, offset);
    const mdl = lockedMdl(t, va, bytes);
    return { t, adapter, result: getList(adapter, mdl, va, bytes, false) };
  }

  it('an unaligned buffer as long as the grant spans one page more: STATUS_INSUFFICIENT_RESOURCES and a finding under SG-1', () => {
    const { t, adapter, result } = listOf(8, 8, 100);
    assert.equal(result.status, STATUS.INSUFFICIENT_RESOURCES);
    const f = t.hal.verifier.findingsOf('VER-MAP-REGISTERS-BEYOND-GRANT');
    assert.equal(f.length, 1, `findings: ${JSON.stringify(findingIds(t))}`);
    assert.equal(f[0]!.rule, 'SG-1');
    assert.deepEqual(f[0]!.parameters, [0x15, 9, 8, adapter.id]);
  });

  it('BuildScatterGatherList is held to the same grant', () => {
    const t = bootHal();
    const adapter = adapterFor(t, { MaximumLength: PAGE_SIZE });
    const { va } = userBuffer(t, 3 * PAGE_SIZE);
    const mdl = lockedMdl(t, va, 3 * PAGE_SIZE);
    const buffer = t.machine.mm.ExAllocatePoolWithTag('NonPagedPool', PAGE_SIZE, 'SgBf')!;
    const status = t.machine.cpu.atIrql(DISPATCH_LEVEL, () =>
      adapter.DmaOperations.BuildScatterGatherList(adapter, {}, mdl, va, 3 * PAGE_SIZE, () => {}, null, true, buffer, PAGE_SIZE));
    assert.equal(status, STATUS.INSUFFICIENT_RESOURCES);
    assert.deepEqual(findingIds(t), ['VER-MAP-REGISTERS-BEYOND-GRANT']);
  });

  it('the same length page-aligned fits the grant: a list and no finding', () => {
    const { t, result } = listOf(8, 8, 0);
    assert.equal(result.status, STATUS.SUCCESS);
    assert.deepEqual(findingIds(t), []);
  });
});
