/**
 * Steps about the DMA test device and the GPU: bus mastering, the device
 * moving its data through scatter/gather lists, MapTransfer elements, common
 * buffers, GPU memory and user DMA library buffers, whether that data arrived,
 * transactions run transfer by transfer, and FIFO versus memory-block
 * programmed I/O. The device's data is its seeded pattern (docs/dma-device.md);
 * every transfer starts the pattern at stream offset 0 unless it continues a
 * transaction. The device moves data through a list whichever direction the
 * list was built for: a list built the other way is the DMA verifier's to
 * catch (VER-DIRECTION-MISMATCH).
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { FOUR_GIB } from '../src/machine/boot-config';
import { Machine } from '../src/machine/machine';
import { PAGE_SIZE, formatAddress, formatBytes } from '../src/contracts/units';
import { USER_DMA_STATUS } from '../src/contracts/user-dma-options';
import { dmaObjects } from '../src/scenarios/dma-scenario-objects';
import {
  DeviceRun, finishRingTransfer, pagesWithZeroLengthDescriptor, receivedMasterAbort, runRingTransfer, runSingleTransfers, setBusMastering, startRingTransfer,
} from '../src/scenarios/dma-test-device-programming';
import { describeDeviceError } from '../src/pci/dma-transfer-log';
import { addressesIncrement, distinctAddresses, fifoTransferFromPort, memoryBlockTransferThroughWindow } from '../src/scenarios/fifo-and-block-transfers';
import { transferWithGpuMemory } from '../src/scenarios/peer-to-peer-transfer';
import { bytesInFrames, deviceTransferThroughList } from '../src/scenarios/scatter-gather-transfer';
import { physicalRuns, transferPieces } from '../src/scenarios/scatter-gather-list-shape';
import { parseDmaOptions, runTransaction } from '../src/scenarios/user-dma-application';
import { ReturnedNull, attempt, runningMachine } from './support/outcome';
import { inContextOf, objects } from './support/scenario-objects';
import { ConformanceWorld } from './support/world';

type World = ConformanceWorld;

/** Run a device transfer as an action, remembering how it ended for the Then steps. */
async function deviceAction(world: World, transfer: (machine: Machine) => ReturnType<typeof runRingTransfer>): Promise<void> {
  await attempt(world, (machine) => {
    dmaObjects(world).lastDeviceTransfer = transfer(machine);
  });
}

function deviceData(machine: Machine, length: number): Uint8Array {
  return machine.dmaDevice.pattern.expected(0, length);
}

// --- bus mastering ----------------------------------------------------------------------------

Given('the driver {string} has enabled bus mastering on the DMA test device', function (this: World, driver: string) {
  const machine = runningMachine(this);
  machine.cpu.inDriver(driver, () => setBusMastering(machine, true));
});

When('the driver {string} disables bus mastering on the DMA test device', async function (this: World, driver: string) {
  await attempt(this, (machine) => machine.cpu.inDriver(driver, () => setBusMastering(machine, false)));
});

Then('the DMA test device\'s config space records a received master abort', function (this: World) {
  expect(receivedMasterAbort(runningMachine(this)), 'ReceivedMasterAbort in the status register of the DMA test device').to.equal(true);
});

// --- the device moves data ----------------------------------------------------------------------

When('the DMA test device writes its data through scatter\\/gather list {string}', async function (this: World, listName: string) {
  const named = dmaObjects(this).lists.get(listName);
  await deviceAction(this, (machine) => deviceTransferThroughList(machine, named.adapter, named.list, false));
});

When('the DMA test device reads through scatter\\/gather list {string}', async function (this: World, listName: string) {
  const named = dmaObjects(this).lists.get(listName);
  await deviceAction(this, (machine) => {
    machine.dmaDevice.checker.clear();
    return deviceTransferThroughList(machine, named.adapter, named.list, true);
  });
});

When('the driver {string} starts the DMA test device writing through scatter\\/gather list {string}', async function (this: World, driver: string, listName: string) {
  const dma = dmaObjects(this);
  const named = dma.lists.get(listName);
  if (dma.startedTransfer) throw new Error('the DMA test device was already started on a transfer nobody has waited for');
  await attempt(this, (machine) => {
    dma.startedTransfer = machine.cpu.inDriver(driver, () => startRingTransfer(machine, named.adapter, named.list.Elements.map((e) => ({ address: e.Address, length: e.Length })), 'from-device'));
  });
});

When('the DMA test device finishes its transfer', async function (this: World) {
  const dma = dmaObjects(this);
  const started = dma.startedTransfer;
  if (!started) throw new Error('the DMA test device has not been started on a transfer in this scenario');
  dma.startedTransfer = null;
  await deviceAction(this, (machine) => finishRingTransfer(machine, started));
});

When('the DMA test device writes its data through the MapTransfer elements of MDL {string}', async function (this: World, mdlName: string) {
  const mapping = dmaObjects(this).mapTransfers.get(mdlName);
  await deviceAction(this, (machine) => runRingTransfer(machine, mapping.adapter, mapping.elements, 'from-device', 'polling'));
});

When('the DMA test device writes its data at the physical addresses of MDL {string}', async function (this: World, mdlName: string) {
  const mdl = objects(this).mdls.get(mdlName).mdl;
  // The driver's mistake: the frames' physical addresses, not the device addresses the HAL handed out.
  const runs: DeviceRun[] = physicalRuns(transferPieces(mdl, mdl.StartVa + mdl.ByteOffset, mdl.ByteCount)).map((r) => ({ address: r.physicalAddress, length: r.length }));
  const adapter = dmaObjects(this).lists.values().find((l) => l.mdl === mdl)?.adapter ?? dmaObjects(this).adapters.values()[0]?.adapter;
  if (!adapter) throw new Error('the descriptor ring needs a DMA adapter for its common buffer; give the driver one first');
  await deviceAction(this, (machine) => runRingTransfer(machine, adapter, runs, 'from-device', 'polling'));
});

When('the DMA test device writes its data into common buffer {string} at its logical address', async function (this: World, name: string) {
  const c = dmaObjects(this).commonBuffers.get(name);
  await deviceAction(this, (machine) => runSingleTransfers(machine, [{ address: c.logicalAddress, length: c.length }], 'from-device', 'polling'));
});

When('the DMA test device is given one transfer of {size} into common buffer {string}', async function (this: World, bytes: number, name: string) {
  const c = dmaObjects(this).commonBuffers.get(name);
  if (bytes > c.length) throw new RangeError(`${formatBytes(bytes)} does not fit common buffer "${name}" of ${formatBytes(c.length)}`);
  // One single-buffer transfer, not cut to the device's maximum: the device decides.
  await deviceAction(this, (machine) => runSingleTransfers(machine, [{ address: c.logicalAddress, length: bytes }], 'from-device', 'polling', 0, false));
});

When('the DMA test device is given one descriptor per page of common buffer {string}, with a descriptor of length 0 as descriptor {count}', async function (this: World, name: string, zeroAt: number) {
  const c = dmaObjects(this).commonBuffers.get(name);
  const runs = pagesWithZeroLengthDescriptor(c.logicalAddress, Math.floor(c.length / PAGE_SIZE), zeroAt);
  await deviceAction(this, (machine) => runRingTransfer(machine, c.adapter, runs, 'from-device', 'polling', 0, false));
});

When('the DMA test device writes {size} of its data at the physical address of buffer {string}', async function (this: World, bytes: number, bufferName: string) {
  const buffer = objects(this).buffers.get(bufferName);
  if (bytes > buffer.length) throw new RangeError(`${formatBytes(bytes)} does not fit buffer "${bufferName}" of ${formatBytes(buffer.length)}`);
  await deviceAction(this, (machine) => {
    const pa = inContextOf(machine, buffer, null, () => machine.mm.physicalAddressOf(buffer.va));
    return runSingleTransfers(machine, [{ address: pa, length: bytes }], 'from-device', 'polling');
  });
});

// --- faults of the device itself, outside a workload ------------------------------------------

When('the DMA test device is armed to refuse a data burst after {size}', async function (this: World, bytes: number) {
  await attempt(this, (machine) => machine.dmaDevice.injectFault('master-abort', { at: 'after-bytes', bytes }));
});

When('the DMA test device is surprise-removed from the machine', async function (this: World) {
  await attempt(this, (machine) => machine.dmaDevice.injectFault('surprise-removal'));
});

Then('the DMA test device reports the transfer done', function (this: World) {
  const t = dmaObjects(this).latestDeviceTransfer();
  runningMachine(this);
  expect(`${t.state} (error ${t.errorName})`, 'how the DMA test device ended the transfer').to.equal('done (error None)');
});

Then('the DMA test device reports error {word}', function (this: World, name: string) {
  const t = dmaObjects(this).latestDeviceTransfer();
  expect(`${t.state} (error ${t.errorName})`, 'how the DMA test device ended the transfer').to.equal(`error (error ${name})`);
});

Then('the DMA test device\'s transfer log names {word} at descriptor {count}, after {size} moved', function (this: World, error: string, descriptor: number, bytes: number) {
  const last = runningMachine(this).dmaDevice.transferLog.records.at(-1);
  if (!last) throw new Error('the DMA test device has not run a transfer yet in this scenario');
  expect(describeDeviceError(last), 'how the device\'s log describes the transfer\'s end').to.match(new RegExp(`^device error ${error} at descriptor ${descriptor} \\(`));
  expect(last.streamEnd - last.streamStart, 'bytes of the stream the transfer moved').to.equal(bytes);
});

Then('the DMA test device found bytes it read not as expected', function (this: World) {
  const checker = runningMachine(this).dmaDevice.checker;
  expect(checker.mismatchCount, `bytes that differed from the pattern, of ${checker.bytesChecked} checked`).to.be.above(0);
});

Then('the DMA test device found every byte it read as expected', function (this: World) {
  const checker = runningMachine(this).dmaDevice.checker;
  expect(checker.bytesChecked, 'bytes the DMA test device read and checked').to.be.above(0);
  expect(checker.mismatchCount, `bytes that differed from the pattern (first: ${JSON.stringify(checker.mismatches[0] ?? null)})`).to.equal(0);
});

// --- where the device's data is ---------------------------------------------------------------

Given('the process writes the DMA test device\'s expected data into buffer {string}', function (this: World, bufferName: string) {
  const machine = runningMachine(this);
  const buffer = objects(this).buffers.get(bufferName);
  inContextOf(machine, buffer, null, () => machine.mm.writeVirtual(buffer.va, deviceData(machine, buffer.length)));
});

function readBuffer(world: World, bufferName: string): { machine: Machine; bytes: Uint8Array } {
  const machine = runningMachine(world);
  const buffer = objects(world).buffers.get(bufferName);
  // The CPU reads it in the buffer's own context: pages that were paged out come back in.
  return { machine, bytes: inContextOf(machine, buffer, null, () => machine.mm.readVirtual(buffer.va, buffer.length)) };
}

Then('buffer {string} holds the DMA test device\'s data', function (this: World, bufferName: string) {
  const { machine, bytes } = readBuffer(this, bufferName);
  const at = machine.dmaDevice.pattern.firstMismatch(0, bytes);
  expect(at, `first byte of buffer "${bufferName}" that is not the DMA test device's data (-1: none)`).to.equal(-1);
});

Then('buffer {string} does not hold the DMA test device\'s data', function (this: World, bufferName: string) {
  const { machine, bytes } = readBuffer(this, bufferName);
  expect(machine.dmaDevice.pattern.firstMismatch(0, bytes), `buffer "${bufferName}" should differ from the DMA test device's data somewhere`).to.not.equal(-1);
});

Then('some page of MDL {string} lies above 4 GiB', function (this: World, mdlName: string) {
  const frames = objects(this).mdls.get(mdlName).mdl.PfnArray;
  expect(frames.some((pfn) => pfn * 4096 >= FOUR_GIB), `frames of MDL "${mdlName}": ${frames.slice(0, 8).join(', ')}${frames.length > 8 ? ' ...' : ''}`).to.equal(true);
});

Then('the pages of MDL {string} above 4 GiB do not hold the DMA test device\'s data yet', function (this: World, mdlName: string) {
  const machine = runningMachine(this);
  const mdl = objects(this).mdls.get(mdlName).mdl;
  const pieces = transferPieces(mdl, mdl.StartVa + mdl.ByteOffset, mdl.ByteCount);
  const high = pieces.filter((p) => p.physicalAddress >= FOUR_GIB);
  expect(high.length, `pages of MDL "${mdlName}" above 4 GiB`).to.be.above(0);
  const expected = deviceData(machine, mdl.ByteCount);
  const arrived = high.filter((p) => {
    const bytes = machine.physical.read(p.physicalAddress, p.length);
    return bytes.every((b, i) => b === expected[p.at + i]);
  });
  expect(arrived.map((p) => p.at), `offsets in MDL "${mdlName}" of pages above 4 GiB that already hold the device's data`).to.be.empty;
  // The pages the device reaches directly already hold it: the difference is the bounce.
  const low = pieces.filter((p) => p.physicalAddress < FOUR_GIB);
  const direct = bytesInFrames(machine, mdl, mdl.StartVa + mdl.ByteOffset, mdl.ByteCount);
  for (const p of low) expect(direct.subarray(p.at, p.at + p.length).every((b, i) => b === expected[p.at + i]), `page at offset ${p.at} of MDL "${mdlName}", below 4 GiB, holds the device's data`).to.equal(true);
});

Then('common buffer {string} holds the DMA test device\'s data', function (this: World, name: string) {
  const machine = runningMachine(this);
  const c = dmaObjects(this).commonBuffers.get(name);
  const at = machine.dmaDevice.pattern.firstMismatch(0, machine.mm.readVirtual(c.va, c.length));
  expect(at, `first byte of common buffer "${name}" that is not the DMA test device's data (-1: none)`).to.equal(-1);
});

// --- the GPU and peer to peer -------------------------------------------------------------------

function gpuOf(machine: Machine) {
  if (!machine.gpu) throw new Error('this machine has no GPU (gpuMemoryBytes is 0)');
  return machine.gpu;
}

Given('the GPU has allocated {size} of its memory as {string}', function (this: World, bytes: number, name: string) {
  const allocation = gpuOf(runningMachine(this)).allocateGpuMemory(bytes);
  if (!allocation) throw new Error(`the GPU has no ${formatBytes(bytes)} of memory free`);
  dmaObjects(this).gpuAllocations.add(name, allocation);
});

Given('the GPU has freed {string}', function (this: World, name: string) {
  gpuOf(runningMachine(this)).freeGpuMemory(dmaObjects(this).gpuAllocations.get(name));
});

Given('GPU memory {string} holds the DMA test device\'s expected data', function (this: World, name: string) {
  const machine = runningMachine(this);
  const allocation = dmaObjects(this).gpuAllocations.get(name);
  gpuOf(machine).writeGpuMemory(allocation.offset, deviceData(machine, allocation.length));
});

async function peerTransfer(world: World, bytes: number, name: string, direction: 'to-device' | 'from-device'): Promise<void> {
  const allocation = dmaObjects(world).gpuAllocations.get(name);
  await attempt(world, (machine) => {
    if (direction === 'to-device') machine.dmaDevice.checker.clear();
    const t = transferWithGpuMemory(machine, allocation, bytes, direction);
    dmaObjects(world).lastPeerTransfer = t;
    dmaObjects(world).lastDeviceTransfer = t.device;
  });
}

When('the DMA test device writes {size} of its data into GPU memory {string}', async function (this: World, bytes: number, name: string) {
  await peerTransfer(this, bytes, name, 'from-device');
});

When('the DMA test device reads {size} from GPU memory {string}', async function (this: World, bytes: number, name: string) {
  await peerTransfer(this, bytes, name, 'to-device');
});

When('the DMA test device writes its data through DMA buffer {string}', async function (this: World, name: string) {
  const buffer = dmaObjects(this).dmaBuffers.get(name);
  await attempt(this, (machine) => {
    const ramBefore = machine.bus.stats.dmaBytesFromRam + machine.bus.stats.dmaBytesToRam;
    const peerBefore = machine.bus.stats.dmaBytesPeerToPeer;
    const device = runSingleTransfers(machine, buffer.pages.map((p) => ({ address: p.physicalAddress, length: p.bytes })), 'from-device', 'polling');
    dmaObjects(this).lastDeviceTransfer = device;
    dmaObjects(this).lastPeerTransfer = {
      device,
      ramBytes: machine.bus.stats.dmaBytesFromRam + machine.bus.stats.dmaBytesToRam - ramBefore,
      peerBytes: machine.bus.stats.dmaBytesPeerToPeer - peerBefore,
      framesTouched: Number.NaN,
    };
  });
});

Then('GPU memory {string} holds the DMA test device\'s data', function (this: World, name: string) {
  const machine = runningMachine(this);
  const allocation = dmaObjects(this).gpuAllocations.get(name);
  const length = dmaObjects(this).lastPeerTransfer?.peerBytes ?? allocation.length;
  expect(length, 'bytes moved into GPU memory').to.be.above(0);
  const at = machine.dmaDevice.pattern.firstMismatch(0, gpuOf(machine).readGpuMemory(allocation.offset, length));
  expect(at, `first byte of GPU memory "${name}" that is not the DMA test device's data (-1: none)`).to.equal(-1);
});

function lastPeer(world: World) {
  const t = dmaObjects(world).lastPeerTransfer;
  if (!t) throw new Error('no transfer into or out of GPU memory has run yet in this scenario');
  return t;
}

Then('the bus carried all of that transfer from device to device', function (this: World) {
  const t = lastPeer(this);
  expect(t.peerBytes, 'bytes carried from device to device').to.be.above(0);
  expect(t.device.state, 'how the DMA test device ended the transfer').to.equal('done');
});

Then('no byte of that transfer crossed host RAM', function (this: World) {
  const t = lastPeer(this);
  expect(t.peerBytes, 'bytes carried from device to device').to.be.above(0);
  expect(t.ramBytes, 'bytes the bus carried to or from host RAM during the transfer').to.equal(0);
});

Then('no host RAM frame was touched by that transfer', function (this: World) {
  const t = lastPeer(this);
  if (Number.isNaN(t.framesTouched)) throw new Error('the frames touched were not counted for this transfer');
  expect(t.framesTouched, 'host RAM frames first touched by device DMA during the transfer').to.equal(0);
});

// --- I/O space mappings (MmMapIoSpace) ------------------------------------------------------------

/** MmMapIoSpace as the driver calls it; a NULL return is the action's recorded outcome. */
async function mapIoSpace(world: World, driver: string, physicalAddress: number, bytes: number, what: string): Promise<number | undefined> {
  return attempt(world, (machine) => {
    const va = machine.cpu.inDriver(driver, () => machine.mm.MmMapIoSpace(physicalAddress, bytes, 'MmNonCached'));
    if (va === null) throw new ReturnedNull('MmMapIoSpace', `MmMapIoSpace returned NULL for ${formatBytes(bytes)} of ${what}`);
    return va;
  });
}

When('the driver {string} maps GPU memory {string} with MmMapIoSpace', async function (this: World, driver: string, name: string) {
  const allocation = dmaObjects(this).gpuAllocations.get(name);
  const va = await mapIoSpace(this, driver, allocation.busAddress, allocation.length, `GPU memory "${name}"`);
  if (va !== undefined) dmaObjects(this).ioSpaceMappings.add(name, { va, length: allocation.length });
});

When('the driver {string} maps {size} at physical address {hex} with MmMapIoSpace', async function (this: World, driver: string, bytes: number, address: number) {
  await mapIoSpace(this, driver, address, bytes, `physical address ${formatAddress(address)}`);
});

When('the driver {string} maps {size} starting {size} below the top of the 64-bit address space with MmMapIoSpace', async function (this: World, driver: string, bytes: number, below: number) {
  // The address as a TypeScript driver reads it from a u64 (the C personality hands the kernel the signed PHYSICAL_ADDRESS: negative).
  await mapIoSpace(this, driver, 2 ** 64 - below, bytes, `physical memory starting ${formatBytes(below)} below 2^64`);
});

Then('the MmMapIoSpace mapping of GPU memory {string} leads to its bus address', function (this: World, name: string) {
  const machine = runningMachine(this);
  const allocation = dmaObjects(this).gpuAllocations.get(name);
  const mapping = dmaObjects(this).ioSpaceMappings.get(name);
  expect(formatAddress(machine.mm.physicalAddressOf(mapping.va)), `the physical address behind the mapping of GPU memory "${name}"`).to.equal(formatAddress(allocation.busAddress));
});

// --- transactions (DEV-2) ----------------------------------------------------------------------

When('{string} starts a scatter\\/gather DMA transaction {string} over buffer {string} with options {string}', async function (this: World, processName: string, name: string, bufferName: string, options: string) {
  const dma = dmaObjects(this);
  const user = dma.libraryUsers.get(processName);
  const process = objects(this).processes.get(processName);
  const buffer = objects(this).buffers.get(bufferName);
  const flags = parseDmaOptions(options);
  await attempt(this, (machine) => {
    const r = machine.cpu.inProcess(process, () => user.library.transactionInitScatterGather(user.device, buffer.va, buffer.length, flags));
    dma.lastLibraryStatus = r.status;
    if (r.transaction) dma.transactions.add(name, r.transaction);
  });
});

Then('transaction {string} has {count} transfer(s), none longer than {size}', function (this: World, name: string, count: number, maximum: number) {
  const t = dmaObjects(this).transactions.get(name);
  expect(t.transfers.length, `transfers of transaction "${name}"`).to.equal(count);
  const longest = Math.max(...t.transfers.map((x) => x.bytes));
  expect(longest, `longest transfer of transaction "${name}"`).to.be.at.most(maximum);
  expect(t.transfers.reduce((n, x) => n + x.bytes, 0), `bytes the transfers of transaction "${name}" add up to`).to.equal(t.buffer.bytes);
});

When('the DMA test device runs every transfer of transaction {string}', async function (this: World, name: string) {
  const dma = dmaObjects(this);
  const t = dma.transactions.get(name);
  const user = dma.libraryUsers.values().find((u) => u.device === t.buffer.device);
  if (!user) throw new Error(`no application of this scenario opened the device of transaction "${name}"`);
  const process = objects(this).processes.get(user.process);
  await attempt(this, (machine) => {
    const run = runTransaction(machine, process, user, t);
    dma.transactionRuns.put(name, run);
    dma.lastDeviceTransfer = run.device;
  });
});

Then('transaction {string} reported more processing required {count} times and then success', function (this: World, name: string, times: number) {
  const run = dmaObjects(this).transactionRuns.get(name);
  const expected = [...new Array<number>(times).fill(USER_DMA_STATUS.MORE_PROCESSING_REQUIRED), USER_DMA_STATUS.SUCCESS];
  expect(run.completionStatuses.map((s) => `0x${s.toString(16)}`), `what "transfer completed and check" returned after each transfer of transaction "${name}"`)
    .to.deep.equal(expected.map((s) => `0x${s.toString(16)}`));
  expect(run.device?.state, 'how the DMA test device ended the last transfer').to.equal('done');
});

// --- FIFO and memory-block transfers (DEV-5) --------------------------------------------------

When('the driver reads {count} ULONGs from the DMA test device\'s FIFO port in one FIFO transfer', async function (this: World, count: number) {
  await attempt(this, (machine) => {
    const t = fifoTransferFromPort(machine, count);
    dmaObjects(this).lastWatchedTransfer = { ...t, expected: machine.dmaDevice.pattern.expected(0, count * 4) };
    dmaObjects(this).lastBusAccesses = t.accesses.length;
  });
});

When('the driver writes {count} ULONGs into the DMA test device\'s memory window at offset {hex} and reads them back in one memory-block transfer', async function (this: World, count: number, offset: number) {
  await attempt(this, (machine) => {
    const t = memoryBlockTransferThroughWindow(machine, offset, count);
    dmaObjects(this).lastWatchedTransfer = { ...t, expected: t.written };
    dmaObjects(this).lastBusAccesses = t.accesses.length;
  });
});

function lastWatched(world: World) {
  const t = dmaObjects(world).lastWatchedTransfer;
  if (!t) throw new Error('no FIFO or memory-block transfer has run yet in this scenario');
  return t;
}

Then('every access of the transfer hit the same device address', function (this: World) {
  const addresses = distinctAddresses(lastWatched(this).accesses);
  expect(addresses.map((a) => `0x${a.toString(16)}`), 'device addresses the transfer\'s accesses hit').to.deep.equal([`0x${lastWatched(this).firstDeviceAddress.toString(16)}`]);
});

Then('each access of the transfer hit the device address after the previous one\'s', function (this: World) {
  const t = lastWatched(this);
  expect(t.accesses.length, 'bus accesses of the transfer').to.be.above(1);
  expect(t.accesses[0]!.address, 'device address of the first access').to.equal(t.firstDeviceAddress);
  expect(addressesIncrement(t.accesses), `device addresses in order: ${t.accesses.map((a) => `0x${a.address.toString(16)}`).join(', ')}`).to.equal(true);
});

Then('the buffer holds the device\'s stream in order', function (this: World) {
  const t = lastWatched(this);
  expect(Buffer.from(t.buffer).equals(Buffer.from(t.expected)), 'the buffer holds the device\'s stream from offset 0, in order').to.equal(true);
});

Then('the buffer holds what was written, in order', function (this: World) {
  const t = lastWatched(this);
  expect(Buffer.from(t.buffer).equals(Buffer.from(t.expected)), 'the buffer read back holds the ULONGs written, in order').to.equal(true);
});

Then('the transfer took {count} bus accesses', function (this: World, count: number) {
  const n = dmaObjects(this).lastBusAccesses;
  if (n === null) throw new Error('no programmed-I/O transfer has run yet in this scenario');
  expect(n, 'bus accesses the transfer took').to.equal(count);
});
