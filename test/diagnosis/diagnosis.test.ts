/** Crafted observations and the rule the diagnosis names for each, from the evidence alone. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { diagnoseBugCheck } from '../../src/diagnosis/bug-check-rules';
import { describeDiagnosis } from '../../src/diagnosis/diagnosis';
import { AdapterEvidence, Evidence, FrameOwnerEvidence } from '../../src/diagnosis/evidence';
import { diagnoseHang } from '../../src/diagnosis/hang-rules';
import { diagnoseDataMismatch, diagnoseDeviceAccess } from '../../src/diagnosis/device-access-rules';
import { RequestObservation, diagnoseRequestOutcome } from '../../src/diagnosis/request-outcome-rules';
import { diagnoseVerifierFinding } from '../../src/diagnosis/verifier-finding-rules';
import type { ViolationEntry } from '../../src/kernel/verifier/violation-catalog';
import { STATUS } from '../../src/machine/ntstatus';
import { DmaError } from '../../src/contracts/dma-test-device-registers';

const adapter = (a: Partial<AdapterEvidence> = {}): AdapterEvidence => ({ label: 'DMA adapter #1 of dma0', describedAs64Bit: false, listsOutstanding: 0, listsOutlivingTheirMdl: 0, channelsHeld: 0, mapRegistersHeld: 0, mapRegistersGranted: 256, failedCalls: [], ...a });

function evidence(e: Partial<Omit<Evidence, 'frameOwner'>> & { owners?: Record<number, FrameOwnerEvidence> } = {}): Evidence {
  const { owners = {}, ...rest } = e;
  return {
    deviceAddressBits: 64,
    iommu: false,
    adapters: [adapter()],
    device: { status: 'idle', removed: false, errors: [] },
    eventsPending: 0,
    requestsOutstanding: 0,
    requestsQueued: 0,
    freeBytes: 64 * 1024 * 1024,
    workingSetRaisedBy: [],
    cancelledRequestsOf: [],
    failedAllocations: [],
    allocationFailuresInjected: 0,
    frameOwner: (pfn) => owners[pfn] ?? { kind: 'free' },
    bounces: false,
    completedBeforeDevice: () => null,
    processOfMdl: () => null,
    outstandingRequestOfMdl: () => null,
    ...rest,
  };
}

const request = (r: Partial<RequestObservation> = {}): RequestObservation => ({ done: true, status: STATUS.INSUFFICIENT_RESOURCES, issuedAtNs: 1000, completedAtNs: 2000, rule: 'MDL-4', deviceFaultInjected: false, ...r });
const hang = { what: 'completing request #4 (read of 262144 byte(s) by app.exe to drv)', message: 'pending (IRP #4): no event left' };

describe('diagnosis of a hang', () => {
  it('a busy device, and nothing left to happen: the device never interrupted and the driver set no timeout (DEV-3)', () => {
    const d = diagnoseHang(hang, evidence({ device: { status: 'busy', removed: false, errors: [] }, requestsOutstanding: 1 }));
    assert.equal(d.rule, 'DEV-3');
    assert.deepEqual(d.candidates, ['DEV-3']);
  });

  it('an idle device, nothing held, requests queued after allocations failed: a queue never restarted (SG-5)', () => {
    assert.deepEqual(diagnoseHang(hang, evidence({ requestsOutstanding: 3, requestsQueued: 3, allocationFailuresInjected: 2 })).candidates, ['SG-5']);
  });

  it('the same with the requests in no cancelable queue: dropped when the allocation failed (PAGE-5 before SG-5)', () => {
    assert.deepEqual(diagnoseHang(hang, evidence({ requestsOutstanding: 1, requestsQueued: 0, allocationFailuresInjected: 2 })).candidates, ['PAGE-5', 'SG-5']);
    assert.deepEqual(diagnoseHang(hang, evidence({ requestsOutstanding: 2, requestsQueued: 1, allocationFailuresInjected: 2 })).candidates, ['PAGE-5', 'SG-5'], 'one in no queue, one waiting behind it');
  });

  it('the same with no allocation ever failed: nothing was awaited, a request left pending (PAGE-5 before SG-5)', () => {
    assert.deepEqual(diagnoseHang(hang, evidence({ requestsOutstanding: 3 })).candidates, ['PAGE-5', 'SG-5']);
  });

  it('an idle device while lists are still out: a reserve never handed back, SG-5 before SG-3', () => {
    const d = diagnoseHang(hang, evidence({ requestsOutstanding: 2, adapters: [adapter({ listsOutstanding: 1 })] }));
    assert.deepEqual(d.candidates, ['SG-5', 'SG-3']);
  });

  it('a spin lock nobody can release: a lock never undone (PAGE-5)', () => {
    const d = diagnoseHang({ what: 'acquiring SpinLock of drv', message: 'it is already held by drv and can never be released (deadlock)' }, evidence({ device: { status: 'busy', removed: false, errors: [] } }));
    assert.equal(d.rule, 'PAGE-5');
  });

  it('a busy device while timers are still pending: DEV-3 or PAGE-5, said to be ambiguous', () => {
    const d = diagnoseHang(hang, evidence({ device: { status: 'busy', removed: false, errors: [] }, eventsPending: 2, requestsOutstanding: 1 }));
    assert.deepEqual(d.candidates, ['DEV-3', 'PAGE-5']);
    assert.match(describeDiagnosis(d), /ambiguous: DEV-3, then PAGE-5, most likely first/);
  });
});

describe('diagnosis of a failed request', () => {
  it('BuildScatterGatherList refused the reserve: the list did not fit it (SG-4)', () => {
    const failed = { routine: 'BuildScatterGatherList' as const, status: STATUS.BUFFER_TOO_SMALL, length: 8 << 20, mapRegistersNeeded: 2049, mapRegistersGranted: 4096, atNs: 1500 };
    const d = diagnoseRequestOutcome(request({ status: STATUS.BUFFER_TOO_SMALL }), evidence({ adapters: [adapter({ failedCalls: [failed] })] }));
    assert.equal(d.rule, 'SG-4');
  });

  it('a mapping needing more map registers than the adapter granted (SG-1)', () => {
    const failed = { routine: 'GetScatterGatherList' as const, status: STATUS.INSUFFICIENT_RESOURCES, length: 1 << 20, mapRegistersNeeded: 257, mapRegistersGranted: 16, atNs: 1500 };
    assert.equal(diagnoseRequestOutcome(request(), evidence({ adapters: [adapter({ failedCalls: [failed] })] })).rule, 'SG-1');
  });

  it('a request refused for lack of resources, with nothing failed, by a driver whose adapter was granted fewer map registers than its pages (SG-1)', () => {
    const refused = request({ status: STATUS.INSUFFICIENT_RESOURCES, rule: 'PAGE-5', length: 1 << 20 });
    assert.equal(diagnoseRequestOutcome(refused, evidence({ adapters: [adapter({ mapRegistersGranted: 17 })] })).rule, 'SG-1');
    // An adapter that could map it leaves the request's own rule.
    assert.equal(diagnoseRequestOutcome(refused, evidence({ adapters: [adapter({ mapRegistersGranted: 256 })] })).rule, 'PAGE-5');
    // Two pages' worth of bytes across three pages: the buffer's span counts, when its MDL tells it.
    const straddling = request({ status: STATUS.INSUFFICIENT_RESOURCES, rule: 'PAGE-5', length: 8189 });
    assert.equal(diagnoseRequestOutcome(straddling, evidence({ adapters: [adapter({ mapRegistersGranted: 2 })] })).rule, 'PAGE-5');
    assert.equal(diagnoseRequestOutcome({ ...straddling, pages: 3 }, evidence({ adapters: [adapter({ mapRegistersGranted: 2 })] })).rule, 'SG-1');
  });

  it('a common buffer that failed after start while enough memory was free: fragmentation (CONT-2)', () => {
    const failed = { routine: 'AllocateCommonBuffer' as const, status: null, length: 64 * 1024, mapRegistersNeeded: null, mapRegistersGranted: 16, atNs: 1200 };
    const d = diagnoseRequestOutcome(request({ rule: 'CONT-3' }), evidence({ adapters: [adapter({ failedCalls: [failed] })] }));
    assert.equal(d.rule, 'CONT-2');
    // With less free memory than it asked for, the failure says nothing about fragmentation.
    assert.equal(diagnoseRequestOutcome(request({ rule: 'CONT-3' }), evidence({ freeBytes: 4096, adapters: [adapter({ failedCalls: [failed] })] })).rule, 'CONT-3');
  });

  it('a failure outside the request\'s lifetime is not its cause', () => {
    const failed = { routine: 'AllocateCommonBuffer' as const, status: null, length: 4096, mapRegistersNeeded: null, mapRegistersGranted: 16, atNs: 5000 };
    assert.equal(diagnoseRequestOutcome(request(), evidence({ adapters: [adapter({ failedCalls: [failed] })] })).rule, 'MDL-4');
  });

  it('a device error names the device\'s error: a descriptor longer than the device takes (DEV-2)', () => {
    const d = diagnoseRequestOutcome(request({ status: STATUS.IO_DEVICE_ERROR }), evidence({ device: { status: 'error', removed: false, errors: [{ code: DmaError.BadLength, address: 0x1000, atNs: 1500 }] } }));
    assert.equal(d.rule, 'DEV-2');
  });

  it('a device error the test injected is not held against the driver', () => {
    const e = evidence({ device: { status: 'error', removed: false, errors: [{ code: DmaError.BadLength, address: 0x1000, atNs: 1500 }] } });
    assert.equal(diagnoseRequestOutcome(request({ status: STATUS.IO_DEVICE_ERROR, deviceFaultInjected: true }), e).rule, 'MDL-4');
  });

  it('two causes at once: both listed, the first most likely', () => {
    const failed = { routine: 'BuildScatterGatherList' as const, status: STATUS.BUFFER_TOO_SMALL, length: 4096, mapRegistersNeeded: 2, mapRegistersGranted: 16, atNs: 1500 };
    const d = diagnoseRequestOutcome(request({ status: STATUS.IO_DEVICE_ERROR }), evidence({ adapters: [adapter({ failedCalls: [failed] })], device: { status: 'error', removed: false, errors: [{ code: DmaError.BadLength, address: 0, atNs: 1600 }] } }));
    assert.deepEqual(d.candidates, ['SG-4', 'DEV-2']);
  });

  it('a request that never completed leaves its lock (PAGE-5)', () => {
    assert.equal(diagnoseRequestOutcome(request({ done: false, completedAtNs: null }), evidence()).rule, 'PAGE-5');
  });
});

describe('diagnosis of DMA where it must not go', () => {
  const thirtyTwoBitDescribedWide = { deviceAddressBits: 32 as const, adapters: [adapter({ describedAs64Bit: true })] };

  it('a 32-bit device described as 64-bit: the DMA lands at the truncated address (SG-6), not a locking bug', () => {
    const d = diagnoseVerifierFinding({ id: 'VER-UNLOCKED-DMA', parameters: [0x0e, 0, 0x9fff0, 0] }, evidence(thirtyTwoBitDescribedWide));
    assert.equal(d.rule, 'SG-6');
    assert.equal(diagnoseBugCheck({ code: 0xe6, parameters: [0x0e, 0, 0x9fff0, 0] }, evidence(thirtyTwoBitDescribedWide)).rule, 'SG-6');
  });

  it('the same finding on a device described as it is stays a locking bug (PAGE-1)', () => {
    assert.equal(diagnoseVerifierFinding({ id: 'VER-UNLOCKED-DMA', parameters: [0x0e, 0, 0x9fff0, 0] }, evidence({ deviceAddressBits: 32 })).rule, 'PAGE-1');
  });

  it('DMA into an unlocked page of a process that raised its working set: PAGE-2 before PAGE-1', () => {
    const owners = { 77: { kind: 'process' as const, name: 'app.exe', workingSetRaised: true } };
    assert.deepEqual(diagnoseDeviceAccess('PAGE-1', 77, evidence({ owners })).candidates, ['PAGE-2', 'PAGE-1']);
    assert.equal(diagnoseDeviceAccess('PAGE-1', 77, evidence({ owners: { 77: { kind: 'process', name: 'app.exe', workingSetRaised: false } } })).rule, 'PAGE-1');
  });

  it('DMA into a page the trimmer took from an application that raised its working set: PAGE-2 before PAGE-1', () => {
    assert.deepEqual(diagnoseDeviceAccess('PAGE-1', 78, evidence({ workingSetRaisedBy: ['app.exe'] })).candidates, ['PAGE-2', 'PAGE-1']);
    assert.equal(diagnoseDeviceAccess('PAGE-1', 78, evidence()).rule, 'PAGE-1');
    assert.equal(diagnoseDeviceAccess('PAGE-1', 78, evidence({ workingSetRaisedBy: ['app.exe'], owners: { 78: { kind: 'system' } } })).rule, 'PAGE-1', 'kernel memory is no application\'s page');
  });

  it('an unlocked buffer found when it is mapped (no frame yet): PAGE-2 first when its MDL is the buffer of an application that raised its working set', () => {
    const e = evidence({ workingSetRaisedBy: ['app.exe'], processOfMdl: (id) => (id === 3 ? 'app.exe' : id === 4 ? 'other.exe' : null) });
    assert.deepEqual(diagnoseDeviceAccess('PAGE-1', null, e, 3).candidates, ['PAGE-2', 'PAGE-1']);
    assert.deepEqual(diagnoseDeviceAccess('PAGE-1', null, e, 4).candidates, ['PAGE-1'], 'another application\'s buffer');
    assert.deepEqual(diagnoseDeviceAccess('PAGE-1', null, e).candidates, ['PAGE-1'], 'no MDL known');
  });

  it('an application that raised its working set but cancelled requests took their buffers back: PAGE-1 before PAGE-2', () => {
    const owners = { 77: { kind: 'process' as const, name: 'app.exe', workingSetRaised: true } };
    assert.deepEqual(diagnoseDeviceAccess('PAGE-1', 77, evidence({ owners, workingSetRaisedBy: ['app.exe'], cancelledRequestsOf: ['app.exe'] })).candidates, ['PAGE-1', 'PAGE-2']);
  });

  it('data that differs where the adapter bounces may have missed a flush (SG-6 first); a 32-bit device alone is no evidence', () => {
    assert.deepEqual(diagnoseDataMismatch('PAGE-1', evidence({ deviceAddressBits: 32, bounces: true })).candidates, ['SG-6', 'PAGE-1']);
    assert.equal(diagnoseDataMismatch('PAGE-1', evidence({ deviceAddressBits: 32 })).rule, 'PAGE-1');
    assert.equal(diagnoseDataMismatch('SG-7', evidence()).rule, 'SG-7');
  });

  it('data that differs for a request completed before the device finished moving it: the buffer was unlocked under the device (PAGE-1)', () => {
    const early = evidence({ bounces: true, completedBeforeDevice: (offset) => (offset === 4096 ? { label: 'write #1', completedAtNs: 10, deviceEndedNs: 50 } : null) });
    const d = diagnoseDataMismatch('DEV-3', early, 4096);
    assert.deepEqual(d.candidates, ['PAGE-1']);
    assert.match(d.because, /write #1 completed at 10 ns, before the device finished moving its data at 50 ns/);
    assert.equal(diagnoseDataMismatch('DEV-3', early, 0).rule, 'SG-6', 'other bytes: no such evidence');
  });

  it('an IOMMU fault at the CPU physical address of kernel memory: programmed with the physical address (CONT-1)', () => {
    const e = evidence({ iommu: true, owners: { 0xdff90: { kind: 'system' } } });
    const d = diagnoseVerifierFinding({ id: 'VER-IOMMU-FAULT', parameters: [0x26, 8, 0xdff90000, 1] }, e);
    assert.deepEqual(d.candidates, ['CONT-1', 'SG-1']);
    // An address that is nobody's memory says nothing more than the catalog entry.
    assert.equal(diagnoseVerifierFinding({ id: 'VER-IOMMU-FAULT', parameters: [0x26, 8, 0x12345000, 1] }, e).rule, 'VER-IOMMU-FAULT');
  });

  it('DMA outside every buffer, at the physical address of kernel memory on a machine without an IOMMU: programmed with the physical address (CONT-1)', () => {
    const e = evidence({ iommu: false, owners: { 0xdff90: { kind: 'system' } } });
    const d = diagnoseVerifierFinding({ id: 'VER-DMA-OUTSIDE-BUFFER', parameters: [0x0f, 0, 0xdff90000, 1] }, e);
    assert.deepEqual(d.candidates, ['CONT-1', 'SG-1', 'VER-DMA-OUTSIDE-BUFFER']);
    assert.match(d.because, /physical address of kernel memory/);
    assert.equal(diagnoseVerifierFinding({ id: 'VER-DMA-OUTSIDE-BUFFER', parameters: [0x0f, 0, 0x12345000, 1] }, e).rule, 'VER-DMA-OUTSIDE-BUFFER', 'nobody\'s memory says nothing more');
  });
});

describe('diagnosis of lists left out', () => {
  it('an adapter released with lists out and no request outstanding: the lists were never put back (SG-3 before SG-1)', () => {
    const d = diagnoseVerifierFinding({ id: 'VER-ADAPTER-RELEASED-WITH-SG-LISTS', parameters: [0x0a, 1, 1, 0] }, evidence({ adapters: [adapter({ listsOutstanding: 1 })] }));
    assert.deepEqual(d.candidates, ['SG-3', 'SG-1']);
  });

  it('released while requests are outstanding: SG-1 before SG-3', () => {
    const d = diagnoseVerifierFinding({ id: 'VER-ADAPTER-RELEASED-WITH-SG-LISTS', parameters: [0x0a, 1, 1, 0] }, evidence({ requestsOutstanding: 2, adapters: [adapter({ listsOutstanding: 1 })] }));
    assert.deepEqual(d.candidates, ['SG-1', 'SG-3']);
  });

  it('a build into a buffer whose list outlived its request (SG-3), or into a reserve still in use (SG-5)', () => {
    const finding = { id: 'VER-SG-BUFFER-IN-USE', parameters: [0x1003, 0, 1, 0] };
    const busy = { status: 'busy' as const, removed: false, errors: [] };
    assert.equal(diagnoseVerifierFinding(finding, evidence({ device: busy, requestsOutstanding: 1, adapters: [adapter({ listsOutstanding: 1 })] })).rule, 'SG-3');
    assert.equal(diagnoseVerifierFinding(finding, evidence({ device: busy, requestsOutstanding: 2, adapters: [adapter({ listsOutstanding: 1 })] })).rule, 'SG-5');
    // No transfer running: no transfer needed the list in the buffer.
    assert.equal(diagnoseVerifierFinding(finding, evidence({ requestsOutstanding: 2, adapters: [adapter({ listsOutstanding: 1 })] })).rule, 'SG-3');
  });

  it('a build over a list still waiting for the execution routine the HAL deferred is SG-5, though the device is idle', () => {
    const waiting = { id: 'VER-SG-BUFFER-IN-USE', parameters: [0x1003, 0, 1, 1] };
    const idle = evidence({ requestsOutstanding: 1, adapters: [adapter({ listsOutstanding: 1 })] });
    assert.deepEqual(diagnoseVerifierFinding(waiting, idle).candidates, ['SG-5']);
    // The same build, the list's routine having run: the idle device needed no list (SG-3 first).
    assert.equal(diagnoseVerifierFinding({ ...waiting, parameters: [0x1003, 0, 1, 0] }, idle).rule, 'SG-3');
  });

  it('a build over a list the device has moved nothing through, for a request still outstanding, is SG-5 though the device is idle', () => {
    const queued = { id: 'VER-SG-BUFFER-IN-USE', parameters: [0x1003, 0, 7, 2] };
    const idle = evidence({ requestsOutstanding: 2, adapters: [adapter({ listsOutstanding: 1 })], outstandingRequestOfMdl: (id) => (id === 7 ? 'request #4 (read)' : null) });
    const d = diagnoseVerifierFinding(queued, idle);
    assert.deepEqual(d.candidates, ['SG-5']);
    assert.match(d.because, /request #4/);
    // The device moved bytes through it: a list whose transfer is over, left in the buffer (SG-3 first), though its request goes on.
    assert.equal(diagnoseVerifierFinding({ ...queued, parameters: [0x1003, 0, 7, 0] }, idle).rule, 'SG-3');
    // Its request completed: nothing is waiting for the list (SG-3 first).
    assert.equal(diagnoseVerifierFinding(queued, { ...idle, outstandingRequestOfMdl: () => null }).rule, 'SG-3');
  });

  it('a list whose MDL is already freed outlived its request: never put back (SG-3), however many requests wait', () => {
    const finding = { id: 'VER-SG-BUFFER-IN-USE', parameters: [0x1003, 0, 1, 0] };
    assert.deepEqual(diagnoseVerifierFinding(finding, evidence({ requestsOutstanding: 5, adapters: [adapter({ listsOutstanding: 1, listsOutlivingTheirMdl: 1 })] })).candidates, ['SG-3']);
  });
});

describe('a verifier finding maps to its rule through the catalog entry', () => {
  it('an entry the diagnosis has never seen names the rule its catalog entry gives, or its own ID', () => {
    const catalog: ViolationEntry[] = [
      { id: 'VER-NEW-CHECK', title: 't', rule: 'DEV-2', parameter1: 0x2000, windows: 'none', linux: 'none', parameters: '', detector: '' },
      { id: 'VER-OWN-CHECK', title: 't', rule: 'VER-*', parameter1: 0x2001, windows: 'none', linux: 'none', parameters: '', detector: '' },
    ];
    assert.equal(diagnoseVerifierFinding({ id: 'VER-NEW-CHECK', parameters: [0x2000, 0, 0, 0] }, evidence(), catalog).rule, 'DEV-2');
    assert.equal(diagnoseVerifierFinding({ id: 'VER-OWN-CHECK', parameters: [0x2001, 0, 0, 0] }, evidence(), catalog).rule, 'VER-OWN-CHECK');
  });
});

describe('a request that failed for lack of memory, from the memory manager\'s failed allocations', () => {
  const failed = (reason: 'fragmented' | 'injected' | 'no-system-ptes', driver: string | null = 'ring') =>
    ({ routine: 'MmAllocateContiguousMemorySpecifyCache' as const, bytes: 65536, reason, driver, atNs: 1500 });

  it('a contiguous allocation the driver made after memory fragmented is CONT-2, whatever rule the request guards', () => {
    const d = diagnoseRequestOutcome(request({ rule: 'CONT-6' }), evidence({ failedAllocations: [failed('fragmented')] }));
    assert.equal(d.rule, 'CONT-2');
    assert.match(d.because, /fragmented/);
  });

  it('no run of system PTEs is CONT-5; an injected failure, or one outside the request\'s lifetime, says nothing', () => {
    assert.equal(diagnoseRequestOutcome(request({ rule: 'CONT-6' }), evidence({ failedAllocations: [failed('no-system-ptes')] })).rule, 'CONT-5');
    assert.equal(diagnoseRequestOutcome(request({ rule: 'CONT-6' }), evidence({ failedAllocations: [failed('injected')] })).rule, 'CONT-6');
    assert.equal(diagnoseRequestOutcome(request({ rule: 'CONT-6' }), evidence({ failedAllocations: [{ ...failed('fragmented'), atNs: 5000 }] })).rule, 'CONT-6');
  });
});

