/**
 * The scatter/gather call wrappers (pool accounting, Build allocating
 * nothing), the list-shape checks (they catch lists that are wrong), the
 * adapter request, the old path's MapTransfer mapping and channel requests.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DISPATCH_LEVEL } from '../../src/machine/irql';
import { STATUS } from '../../src/machine/ntstatus';
import { PAGE_SIZE } from '../../src/contracts/units';
import { requestAdapterChannel } from '../../src/scenarios/adapter-channel-requests';
import { descriptionFor, getAdapterForTestDevice } from '../../src/scenarios/dma-adapter-request';
import { DmaNames, dmaObjects } from '../../src/scenarios/dma-scenario-objects';
import { ChannelNotGranted, flushMapping, mapWithMapTransfer } from '../../src/scenarios/map-transfer-mapping';
import { buildScatterGatherList, calculateScatterGatherList, getScatterGatherList, putScatterGatherList, wholeChain } from '../../src/scenarios/scatter-gather-calls';
import { coverageMismatch, elementAbove4GiB, physicalRuns, transferPieces, unmergedNeighbours } from '../../src/scenarios/scatter-gather-list-shape';
import { DRIVER, adapter, boot, lockedBuffer } from './scenario-fixture';

describe('scatter/gather calls', () => {
  it('Get takes non-paged pool and Put gives it back; the routine runs at DISPATCH_LEVEL', () => {
    const machine = boot();
    const a = adapter(machine);
    const b = lockedBuffer(machine, 16 * PAGE_SIZE);
    const got = getScatterGatherList(machine, DRIVER, a, { mdl: b.mdl, va: b.va, length: b.bytes, writeToDevice: true });
    assert.equal(got.status, STATUS.SUCCESS);
    assert.equal(got.routineIrql, DISPATCH_LEVEL);
    assert.equal(got.poolPagesAfter - got.poolPagesBefore, 1);
    const put = putScatterGatherList(machine, DRIVER, a, got.list!, true);
    assert.equal(put.poolPagesBefore - put.poolPagesAfter, 1);
  });

  it('Build into a buffer of the calculated size allocates nothing; one byte less is STATUS_BUFFER_TOO_SMALL', () => {
    const machine = boot();
    const a = adapter(machine);
    const b = lockedBuffer(machine, 5 * PAGE_SIZE, 100);
    const size = calculateScatterGatherList(machine, DRIVER, a, b.mdl, b.va, b.bytes);
    assert.equal(size.numberOfMapRegisters, 6);
    assert.deepEqual(calculateScatterGatherList(machine, DRIVER, a, null, b.va, b.bytes), size);
    const room = machine.mm.ExAllocatePoolWithTag('NonPagedPool', PAGE_SIZE, 'Room')!;
    const request = { mdl: b.mdl, va: b.va, length: b.bytes, writeToDevice: true };
    const short = buildScatterGatherList(machine, DRIVER, a, request, room, size.scatterGatherListSize - 1);
    assert.equal(short.status, STATUS.BUFFER_TOO_SMALL);
    assert.equal(short.list, null);
    const built = buildScatterGatherList(machine, DRIVER, a, request, room, size.scatterGatherListSize);
    assert.equal(built.status, STATUS.SUCCESS);
    assert.equal(built.poolPagesAfter, built.poolPagesBefore);
  });

  it('wholeChain covers every MDL of a chain from the first byte', () => {
    const machine = boot();
    const one = lockedBuffer(machine, 3 * PAGE_SIZE + 5, 7);
    const two = lockedBuffer(machine, PAGE_SIZE);
    one.mdl.Next = two.mdl;
    const chain = wholeChain(one.mdl, false);
    assert.deepEqual(chain, { mdl: one.mdl, va: one.va, length: 4 * PAGE_SIZE + 5, writeToDevice: false });
    assert.equal(transferPieces(one.mdl, chain.va, chain.length).reduce((n, p) => n + p.length, 0), chain.length);
  });
});

describe('list shape checks', () => {
  it('accept the HAL\'s list and name what is wrong with a doctored one', () => {
    const machine = boot();
    const a = adapter(machine);
    const b = lockedBuffer(machine, 12 * PAGE_SIZE + 300, 40);
    const list = getScatterGatherList(machine, DRIVER, a, { mdl: b.mdl, va: b.va, length: b.bytes, writeToDevice: true }).list!;
    const pieces = transferPieces(b.mdl, b.va, b.bytes);
    assert.equal(coverageMismatch(list.Elements, pieces), null);
    assert.equal(unmergedNeighbours(list.Elements), null);
    assert.equal(list.NumberOfElements, physicalRuns(pieces).length);
    const reversed = [...list.Elements].reverse();
    if (reversed.length > 1) assert.match(coverageMismatch(reversed, pieces)!, /byte 0 of the transfer/);
    const shortened = [...list.Elements.slice(0, -1), { Address: list.Elements.at(-1)!.Address, Length: list.Elements.at(-1)!.Length - 1 }];
    assert.match(coverageMismatch(shortened, pieces)!, /add up to/);
    assert.match(unmergedNeighbours([{ Address: 0x1000, Length: 0x1000 }, { Address: 0x2000, Length: 8 }])!, /not merged/);
    assert.equal(elementAbove4GiB([{ Address: 2 ** 32 - 8, Length: 8 }]), null);
    assert.match(elementAbove4GiB([{ Address: 2 ** 32 - 8, Length: 9 }])!, /element 0/);
  });

  it('refuse to read frames of an MDL that was never locked', () => {
    const machine = boot();
    const process = machine.kernel.createProcess('p');
    const va = machine.mm.allocateVirtual(process.addressSpace, PAGE_SIZE);
    const mdl = machine.cpu.inProcess(process, () => machine.kernel.mdl.IoAllocateMdl(va, PAGE_SIZE, false, false, null)!);
    assert.throws(() => transferPieces(mdl, va, PAGE_SIZE), /not locked/);
  });
});

describe('adapters and the old path', () => {
  it('an adapter request describes the device; an invalid one says why the HAL said no', () => {
    const machine = boot();
    assert.equal(descriptionFor({ addressBits: 32, maximumLength: 4096 }).Dma64BitAddresses, false);
    assert.throws(() => descriptionFor({ addressBits: 16 as 32, maximumLength: 4096 }), /32 or 64 bits/);
    const bad = getAdapterForTestDevice(machine, DRIVER, { addressBits: 64, maximumLength: 0 });
    assert.equal(bad.adapter, null);
    assert.match(bad.failure!, /MaximumLength/);
  });

  it('MapTransfer maps one physical run per call; a held channel means the routine did not run', () => {
    const machine = boot();
    const a = adapter(machine);
    const b = lockedBuffer(machine, 20 * PAGE_SIZE + 9, 11, 'IoReadAccess');
    const m = mapWithMapTransfer(machine, DRIVER, a, b.mdl, true);
    const runs = physicalRuns(transferPieces(b.mdl, b.va, b.bytes)).map((r) => ({ address: r.physicalAddress, length: r.length }));
    assert.deepEqual(m.elements, runs);
    assert.throws(() => mapWithMapTransfer(machine, DRIVER, a, b.mdl, true, { other: true }), ChannelNotGranted);
    assert.equal(flushMapping(machine, DRIVER, m), true);
  });

  it('a channel request records whether and where its routine ran, and rejects an unknown action', () => {
    const machine = boot();
    const a = adapter(machine);
    const first = requestAdapterChannel(machine, DRIVER, a, { name: 'd0' }, 1, 'KeepObject');
    const second = requestAdapterChannel(machine, DRIVER, a, { name: 'd1' }, 1, 'DeallocateObject');
    assert.equal(first.ran, true);
    assert.equal(first.irql, DISPATCH_LEVEL);
    assert.equal(second.ran, false);
    assert.throws(() => requestAdapterChannel(machine, DRIVER, a, { name: 'd2' }, 1, 'Keep' as 'KeepObject'), /unknown IO_ALLOCATION_ACTION/);
  });

  it('scenario objects name what they know when asked for what they do not', () => {
    const names = new DmaNames<number>('widget');
    names.add('a', 1);
    assert.throws(() => names.add('a', 2), /already has a widget named "a"/);
    assert.throws(() => names.get('b'), /no widget named "b": the known ones are "a"/);
    names.put('a', 3);
    assert.equal(names.get('a'), 3);
    const world = {};
    assert.equal(dmaObjects(world), dmaObjects(world));
    assert.notEqual(dmaObjects(world), dmaObjects({}));
    assert.throws(() => dmaObjects(world).latestCall(), /no DMA routine has been called/);
  });
});
