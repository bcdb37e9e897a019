/**
 * The kernel routines a C driver reaches beyond the reference drivers', run
 * by kernel-routines-driver.c against the simulated machine: each IOCTL runs
 * one group and the test checks what the machine shows (the IRQL a work item
 * ran at, simulated time waited, an IRP's completion, the bytes a device
 * wrote by DMA or through its FIFO, a queued IRP taken back by its context,
 * a name CreateFile opens).
 */
import { strict as assert } from 'node:assert';
import { before, describe, it } from 'node:test';
import { STATUS } from '../../src/machine/ntstatus';
import { PAGE_SIZE } from '../../src/contracts/units';
import type { DriverModule } from '../../src/personalities/wdm/contract';
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from '../../src/machine/irql';
import { COST } from '../../src/machine/cost-model';
import { IOCTL, compiledRoutinesDriver, startRoutinesDriver as startOn } from './kernel-routines-fixture';

let driver: DriverModule;
const startRoutinesDriver = () => startOn(driver);

describe('kernel routines from C', () => {
  before(async () => {
    driver = await compiledRoutinesDriver();
  });

  it('a work item queued at DISPATCH_LEVEL runs at PASSIVE_LEVEL with its context and is freed', () => {
    const { machine, send } = startRoutinesDriver();
    const { request, words } = send(IOCTL.WORK_ITEM, [], 2);
    assert.equal(request.status, STATUS.SUCCESS, request.describe());
    assert.deepEqual(words(), [PASSIVE_LEVEL, 1]);
    assert.deepEqual(machine.io.workItems.allocated(driver.name), [], 'the work routine freed its work item');
    assert.equal(machine.kernel.stopped, null);
  });

  it('KeWaitForSingleObject waits in simulated time for a KEVENT a timer DPC signals, and times out with STATUS_TIMEOUT', () => {
    const { machine, send } = startRoutinesDriver();
    const { request, words } = send(IOCTL.WAIT, [], 9);
    assert.equal(request.status, STATUS.SUCCESS, request.describe());
    const [signalled, waitedUs, stateAfter, resetPrevious, stateAfterReset, timedOut, timeoutUs, timerWait, timerState] = words();
    assert.equal(signalled, STATUS.SUCCESS);
    assert.ok(waitedUs! >= 2000 && waitedUs! < 2500, `waited ${waitedUs} µs for a signal due after 2 ms`);
    assert.deepEqual([stateAfter, resetPrevious, stateAfterReset], [1, 1, 0], 'a notification event stays signalled until reset');
    assert.equal(timedOut, STATUS.TIMEOUT);
    assert.ok(timeoutUs! >= 1000 && timeoutUs! < 1500, `gave up after ${timeoutUs} µs with a 1 ms timeout`);
    assert.deepEqual([timerWait, timerState], [STATUS.SUCCESS, 1], 'a KTIMER is waited on and reads signalled once due');
    assert.equal(machine.kernel.stopped, null);
  });

  it('KeSetTimerEx is periodic: its DPC runs every period until cancelled', () => {
    const { send } = startRoutinesDriver();
    const { request, words } = send(IOCTL.PERIODIC, [], 4);
    assert.equal(request.status, STATUS.SUCCESS, request.describe());
    const [status, waitedUs, ticks, stateAfterWait] = words();
    assert.equal(status, STATUS.SUCCESS);
    assert.equal(ticks, 3);
    assert.ok(waitedUs! >= 5000 && waitedUs! < 5500, `three ticks (1 ms, then every 2 ms) took ${waitedUs} µs`);
    assert.equal(stateAfterWait, 0, 'a synchronization event clears itself when it satisfies a wait');
  });

  it('an IRP the driver allocates goes down with IoSetCompletionRoutine, is reused, passed on with its stack location copied, and freed', () => {
    const { machine, send } = startRoutinesDriver();
    const { request, words } = send(IOCTL.SEND_IRP, [], 10);
    assert.equal(request.status, STATUS.SUCCESS, request.describe());
    const out = words();
    assert.deepEqual(out.slice(0, 7), [STATUS.SUCCESS, 1, 246, 1, STATUS.SUCCESS, 2, 14], 'each send reached the read dispatch with the length C wrote, and the completion routine saw its result and context');
    assert.deepEqual(out.slice(7), [STATUS.SUCCESS, 3, 30], 'passed down with IoCopyCurrentIrpStackLocationToNext, the lower location had the copied request, three times as long');
    assert.deepEqual(machine.io.allocatedIrps(driver.name), [], 'IoFreeIrp freed it');
    assert.equal(machine.kernel.stopped, null);
  });

  it('contiguous memory the device writes by DMA is what C reads; MmGetPhysicalAddress and the PFN array name its frames', () => {
    const { machine, send } = startRoutinesDriver();
    const allocated = send(IOCTL.CONTIGUOUS_ALLOCATE, [], 7);
    assert.equal(allocated.request.status, STATUS.SUCCESS, allocated.request.describe());
    const [low, high, secondMinusFirst, valid, pfn0, pfn1, ownStackValid] = allocated.words();
    const physical = high! * 2 ** 32 + low!;
    assert.ok(physical > 0 && physical % PAGE_SIZE === 0);
    assert.equal(secondMinusFirst, PAGE_SIZE, 'physically contiguous');
    assert.equal(valid, 1);
    assert.deepEqual([pfn0, pfn1], [physical / PAGE_SIZE, physical / PAGE_SIZE + 1]);
    assert.equal(ownStackValid, 1, 'MmIsAddressValid of the driver\'s own stack');
    const contiguous = machine.mm.contiguousAllocations().filter((c) => c.driver === driver.name);
    assert.equal(contiguous.length, 1);

    const written = Uint8Array.from({ length: 24 }, (_, i) => (i * 37 + 11) & 0xff);
    // The bus's own write into RAM (as a device's DMA lands), without the DMA verifier: this memory was mapped for no adapter.
    machine.mm.physical.write(physical, written, 0, written.length, 'device');
    const read = send(IOCTL.CONTIGUOUS_READ, Array.from(new Uint32Array(written.buffer)), 5);
    assert.equal(read.request.status, STATUS.SUCCESS, read.request.describe());
    const bytes = new Uint8Array(Uint32Array.from(read.words()).buffer);
    assert.deepEqual([...bytes.slice(0, 16)], [...written.slice(0, 16)], 'C read the bytes the device wrote');
    assert.equal(read.words()[4], written.length, 'RtlCompareMemory: every byte equal');
    assert.equal(machine.mm.contiguousAllocations().filter((c) => c.driver === driver.name).length, 0, 'MmFreeContiguousMemory freed it');
    assert.equal(machine.kernel.stopped, null);
  });

  it('IoConnectInterrupt connects C\'s ISR; KeSynchronizeExecution runs C at the interrupt\'s IRQL and returns its result', () => {
    const { machine, installed, app, handle, send } = startRoutinesDriver();
    const line = machine.dmaDevice.interrupt;
    line.setLevel(true);
    machine.clock.advance(COST.interruptLatency.ns); // one delivery: the ISR runs once and does not claim it
    line.setLevel(false);
    const { request, words } = send(IOCTL.SYNCHRONIZE, [], 4);
    assert.equal(request.status, STATUS.SUCCESS, request.describe());
    const [result, irqlInside, interruptIrql, isrCalls] = words();
    assert.equal(result, 1);
    assert.ok(interruptIrql! > 2, `the interrupt's IRQL ${interruptIrql} is a device level`);
    assert.equal(irqlInside, interruptIrql);
    assert.equal(isrCalls, 1, 'the device\'s interrupt ran C\'s ISR');
    app.CloseHandle(handle);
    machine.io.unloadDriver(installed.driverObject);
    assert.equal(line.connected, false, 'IoDisconnectInterrupt at removal');
    assert.equal(machine.kernel.stopped, null);
  });

  it('IoInitializeDpcRequest gives the device the DPC IoRequestDpc queues, with the IRP and context', () => {
    const { machine, send } = startRoutinesDriver();
    const { request, words } = send(IOCTL.DPC_REQUEST, [], 3);
    assert.equal(request.status, STATUS.SUCCESS, request.describe());
    assert.deepEqual(words(), [DISPATCH_LEVEL, 1, 1]);
    assert.equal(machine.kernel.stopped, null);
  });

  it('port and register-buffer routines move the device\'s FIFO bytes both ways and read its registers', () => {
    const { machine, send } = startRoutinesDriver();
    const device = machine.dmaDevice;
    const next = Array.from(new Uint32Array(device.pattern.expected(16, 16).slice().buffer));
    const { request, words } = send(IOCTL.PROGRAMMED_IO, next, 12);
    assert.equal(request.status, STATUS.SUCCESS, request.describe());
    const out = words();
    assert.deepEqual([...new Uint8Array(Uint32Array.from(out.slice(0, 4)).buffer)], [...device.pattern.expected(0, 16)], 'the FIFO\'s first 16 bytes through the data port');
    assert.notEqual(out[8], 0, 'the ID register');
    assert.deepEqual([out[4], out[7]], [out[8], out[9]], 'the register buffer holds the registers from offset 0 (ID ... status)');
    assert.equal(out[10], out[9], 'the status port and the status register agree');
    assert.equal(out[11], ((out[9]! & 0xff) | ((out[9]! & 0xffff) << 16)) >>> 0, 'the narrow port reads are the status\'s low bytes');
    assert.equal(device.checker.bytesChecked, 16, 'the written bytes reached the device');
    assert.equal(device.checker.mismatchCount, 0);
  });

  it('IoCreateSymbolicLink names the device for CreateFile until IoDeleteSymbolicLink', () => {
    const { app, send } = startRoutinesDriver();
    assert.equal(app.CreateFile('KernelRoutinesLink').status, STATUS.OBJECT_NAME_NOT_FOUND);
    assert.deepEqual(send(IOCTL.LINK, [1], 1).words(), [STATUS.SUCCESS]);
    const opened = app.CreateFile('KernelRoutinesLink');
    assert.equal(opened.status, STATUS.SUCCESS);
    app.CloseHandle(opened.handle!);
    assert.deepEqual(send(IOCTL.LINK, [0], 1).words(), [STATUS.SUCCESS]);
    assert.equal(app.CreateFile('KernelRoutinesLink').status, STATUS.OBJECT_NAME_NOT_FOUND);
  });

  it('MmMapIoSpace gives C NULL for a range that wraps past 2^64 (a negative PHYSICAL_ADDRESS), and maps a BAR', () => {
    const { machine, send } = startRoutinesDriver();
    const wrapping = send(IOCTL.MAP_IO_SPACE, [0xfffff000, 0xffffffff, 16 * PAGE_SIZE], 1);
    assert.equal(wrapping.request.status, STATUS.SUCCESS, wrapping.request.describe());
    assert.deepEqual(wrapping.words(), [0], 'NULL');
    const bar = machine.dmaDevice.registerAddress(0);
    assert.deepEqual(send(IOCTL.MAP_IO_SPACE, [bar % 2 ** 32, Math.floor(bar / 2 ** 32), PAGE_SIZE], 1).words(), [1], 'the device\'s register BAR maps');
    assert.equal(machine.kernel.stopped, null);
  });

  it('wdm.h\'s page arithmetic gives the x64 answers: offsets, alignment, spans (a span near 4 GiB does not wrap), pages and rounding', () => {
    const { send } = startRoutinesDriver();
    const cases: [number, number, number[]][] = [
      // va, size: BYTE_OFFSET, PAGE_ALIGN, ADDRESS_AND_SIZE_TO_SPAN_PAGES, BYTES_TO_PAGES, ROUND_TO_PAGES
      [0x10000, 0, [0, 0x10000, 0, 0, 0]],
      [0x10fff, 1, [0xfff, 0x10000, 1, 1, PAGE_SIZE]],
      [0x10fff, 2, [0xfff, 0x10000, 2, 1, PAGE_SIZE]],
      [0x12345, 8 * 1024 * 1024, [0x345, 0x12000, 2049, 2048, 8 * 1024 * 1024]],
      [0x10800, 0xfffff000, [0x800, 0x10000, 0x100000, 0xfffff, 0xfffff000]],
      // ROUND_TO_PAGES gives a SIZE_T, 32 bits here: 4 GiB is 0.
      [0x10800, 0xffffffff, [0x800, 0x10000, 0x100001, 0x100000, 0]],
    ];
    for (const [va, size, expected] of cases) {
      const { request, words } = send(IOCTL.PAGE_ARITHMETIC, [va, size], 5);
      assert.equal(request.status, STATUS.SUCCESS, request.describe());
      assert.deepEqual(words(), expected, `va 0x${va.toString(16)}, size 0x${size.toString(16)}`);
    }
  });

  it('IoCsqInsertIrpEx queues an IRP under a context and IoCsqRemoveIrp takes that IRP back, once', () => {
    const { machine, send } = startRoutinesDriver();
    const queued = send(IOCTL.CSQ_QUEUE, [], 32, true);
    assert.equal(queued.request.done, false, 'the IRP waits in the queue');
    const taken = send(IOCTL.CSQ_TAKE, [], 2);
    assert.equal(taken.request.status, STATUS.SUCCESS, taken.request.describe());
    assert.deepEqual(taken.words(), [1, 0]);
    machine.io.waitForRequest(queued.request);
    assert.equal(queued.request.status, STATUS.SUCCESS);
    assert.equal(queued.request.information, 77);
    assert.equal(machine.kernel.stopped, null);
  });
});
