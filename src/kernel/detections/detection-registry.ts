/**
 * Every detection of the simulator, and what proves it: the scenarios or
 * faulty drivers that must fail when it is switched off
 * (src/kernel/detections/detection-switch.ts). A detection no proof notices
 * could be lost by a one-line change without any test failing;
 * scripts/detection-proof.cjs switches each off in turn, runs only its
 * proofs, and fails unless each detection is noticed by one of them.
 *
 * Detections are the DMA verifier's catalog entries (switched off where the
 * verifier records a finding), checks that one site of an entry makes on its
 * own, the end-of-run oracles' checks, the diagnosis and sweep decisions a
 * verdict rests on, and the simulated machine's behaviours that drivers are
 * judged against (a device that must not act once removed, an IRP marked
 * cancelled). Where an oracle only passes on what the verifier found (the
 * list accounting's double puts), the verifier entry is the detection. A
 * leaf: it imports only types.
 */
import type { ViolationId } from '../verifier/violation-catalog';

/**
 * One proof: a scenario by feature file and exact name; every scenario a
 * tag expression selects under a feature path (one of them failing is
 * enough); or a faulty driver of the suite, by class folder and module
 * name, run against the scenarios of its class tagged with its rule (or
 * the one named), which must then all stop rejecting it.
 */
export type DetectionProof =
  | { readonly feature: string; readonly scenario: string }
  | { readonly feature: string; readonly tags: string }
  | { readonly driverClass: string; readonly faultyDriver: string; readonly scenario?: string };

export interface Detection {
  readonly id: string;
  /** What it detects, or what the simulated machine guarantees. */
  readonly detects: string;
  /** Where the switch sits. */
  readonly site: string;
  readonly proofs: readonly DetectionProof[];
}

/** A verifier catalog entry, proved by the verifier scenarios tagged with it. */
function catalogEntry(id: ViolationId, detects: string, feature = 'features/verifier'): Detection & { readonly id: ViolationId } {
  return { id, detects, site: 'DmaVerifier.report (src/kernel/verifier/dma-verifier.ts)', proofs: [{ feature, tags: `@rule:${id}` }] };
}

const detections = [
  catalogEntry('VER-UNLOCKED-DMA', 'DMA to or from memory neither locked nor non-paged'),
  catalogEntry('VER-DMA-OUTSIDE-BUFFER', 'device DMA outside every buffer mapped for it'),
  catalogEntry('VER-SG-DOUBLE-PUT', 'a scatter/gather list put back twice'),
  catalogEntry('VER-COMMON-BUFFER-DOUBLE-FREE', 'a common buffer freed twice'),
  catalogEntry('VER-CHANNEL-DOUBLE-FREE', 'an adapter channel freed when not held'),
  catalogEntry('VER-MAP-REGISTERS-DOUBLE-FREE', 'map registers freed when not held'),
  catalogEntry('VER-ADAPTER-RELEASED-WITH-COMMON-BUFFERS', 'an adapter released with common buffers outstanding'),
  catalogEntry('VER-ADAPTER-RELEASED-WITH-CHANNELS', 'an adapter released with a channel held or requested'),
  catalogEntry('VER-ADAPTER-RELEASED-WITH-MAP-REGISTERS', 'an adapter released with map registers outstanding'),
  catalogEntry('VER-ADAPTER-RELEASED-WITH-SG-LISTS', 'an adapter released with scatter/gather lists outstanding'),
  catalogEntry('VER-ADAPTER-USED-AFTER-RELEASE', 'a DMA routine called on a released adapter'),
  catalogEntry('VER-MULTIPLE-CHANNELS', 'a second adapter channel requested by one device'),
  catalogEntry('VER-TOO-MANY-MAP-REGISTERS', 'more map registers requested or used than granted'),
  catalogEntry('VER-MAP-REGISTERS-BEYOND-GRANT', 'a scatter/gather list spanning more pages than the grant'),
  catalogEntry('VER-NOT-FLUSHED', 'map registers or channel freed before the transfer was flushed'),
  catalogEntry('VER-SYNC-OUTSIDE-MAPPING', 'a flush of a buffer that is not mapped'),
  catalogEntry('VER-UNMAP-MISMATCH', 'a put, flush or free that differs from the mapping'),
  catalogEntry('VER-ADDRESS-NOT-IN-MDL', 'a mapped range outside the MDL'),
  catalogEntry('VER-ZERO-LENGTH-MAP', 'a mapping of zero bytes'),
  catalogEntry('VER-WRONG-IRQL', 'a DMA routine called above its IRQL'),
  catalogEntry('VER-SG-BUFFER-IN-USE', 'a list built into a buffer that holds a live list'),
  catalogEntry('VER-BUS-MASTER-OFF', 'device DMA while bus mastering is off'),
  catalogEntry('VER-IOMMU-FAULT', 'device DMA the IOMMU blocked'),
  catalogEntry('VER-DIRECTION-MISMATCH', 'device DMA against the mapped direction'),
  catalogEntry('VER-LEAK-AT-UNLOAD', 'a driver unloading with DMA resources outstanding'),
  {
    id: 'LEAK-AT-UNLOAD-LISTS-AND-BASES',
    detects: 'the unload leak check counts scatter/gather lists and map register bases still held (P4 of VER-LEAK-AT-UNLOAD)',
    site: 'Hal.checkDriverUnload (src/kernel/hal/hal.ts)',
    proofs: [{ feature: 'features/verifier/ver-recorded-findings.feature', scenario: 'A driver that unloads holding a scatter/gather list leaks it' }],
  },
  {
    id: 'MAP-TRANSFER-UNLOCKED-MDL',
    detects: 'MapTransfer of an MDL whose pages are not locked (VER-UNLOCKED-DMA at map time)',
    site: 'AdapterChannels.mapTransfer (src/kernel/hal/adapter-channel.ts)',
    proofs: [{ feature: 'features/verifier/ver-device-access.feature', scenario: 'MapTransfer of an MDL whose pages were never locked' }],
  },
  {
    id: 'LISTS-NOT-PUT-BACK',
    detects: 'a scatter/gather list handed out and not put back is counted, one as much as many: by the HAL at PutDmaAdapter and unload, by the list accounting and the leftovers (SG-3)',
    site: 'ScatterGatherLists.outstandingCount (src/kernel/hal/scatter-gather-list.ts), which every check of lists not put back reads',
    proofs: [
      { feature: 'features/sg/sg-3-get-and-put-scatter-gather-lists.feature', scenario: 'The list comes from non-paged pool and goes back to it when put' },
      { driverClass: 'storage-forward-progress', faultyDriver: 'reserve-list-not-put', scenario: 'Lists built into the reserve are put back exactly once, like lists from pool' },
    ],
  },
  {
    id: 'WRITE-DATA-CHECK',
    detects: 'the bytes the device read for writes differ from what the applications wrote',
    site: 'PatternChecker.check (src/pci/data-pattern.ts), which the data oracle reads',
    proofs: [{ feature: 'features/machine/what-drivers-must-expect.feature', scenario: 'The device checks the bytes it reads for a write against what the application should have written' }],
  },
  {
    id: 'READ-DATA-CHECK',
    detects: 'a finished read whose buffer does not hold the stretch of the device\'s stream it asked for',
    site: 'dataOracle (src/oracles/data-oracle.ts)',
    proofs: [{ driverClass: 'read-write-direct', faultyDriver: 'complete-at-start', scenario: 'With the verifier only recording, a read holds the device\'s data when it completes' }],
  },
  {
    id: 'CANCEL-MARKS-IRP',
    detects: 'IoCancelIrp marks the IRP cancelled (Irp->Cancel) whether or not it has a cancel routine',
    site: 'IoManager.IoCancelIrp (src/kernel/io/io-manager.ts)',
    proofs: [{ feature: 'features/machine/what-drivers-must-expect.feature', scenario: 'IoCancelIrp marks an IRP without a cancel routine cancelled' }],
  },
  {
    id: 'FAULT-AFTER-BYTES-FROM-ARMING',
    detects: 'a device fault armed "after N bytes" strikes N bytes after it was armed, not N bytes after power-on',
    site: 'DmaTestDevice.injectFault (src/pci/dma-device.ts)',
    proofs: [{ feature: 'features/machine/what-drivers-must-expect.feature', scenario: 'A fault armed after some bytes counts them from when it was armed' }],
  },
  {
    id: 'REMOVED-DEVICE-IGNORES-WRITES',
    detects: 'a surprise-removed device does not act on register writes',
    site: 'DmaTestDevice.writeRegister (src/pci/dma-device.ts)',
    proofs: [{ feature: 'features/machine/what-drivers-must-expect.feature', scenario: 'A surprise-removed device does nothing a register write asks' }],
  },
  {
    id: 'BEYOND-GRANT-DIAGNOSIS',
    detects: 'a request failed because a mapping call needed more map registers than the adapter granted is diagnosed SG-1',
    site: 'diagnoseRequestOutcome (src/diagnosis/request-outcome-rules.ts)',
    proofs: [{ driverClass: 'shared-buffer-ioctl', faultyDriver: 'adapter-sized-by-descriptor', scenario: 'With the verifier only recording, a buffer longer than the adapter\'s map registers fails its request under SG-1' }],
  },
  {
    id: 'QUEUED-LIST-IN-BUFFER-DIAGNOSIS',
    detects: 'a build over a list the device has moved nothing through, whose request is still outstanding (queued in the driver), is diagnosed SG-5, not a list never put back',
    site: 'diagnoseListBufferInUse (src/diagnosis/list-rules.ts)',
    proofs: [{ driverClass: 'storage-forward-progress', faultyDriver: 'reserve-reused-while-held', scenario: 'Requests already issued complete after non-paged pool runs out' }],
  },
  {
    id: 'SIMULATOR-DEFECT-CLASSIFICATION',
    detects: 'an error thrown by the simulator\'s own code is a defect of the simulator, not a verdict on the driver',
    site: 'isSimulatorError (src/diagnosis/simulator-defect.ts)',
    proofs: [{ feature: 'features/machine/what-drivers-must-expect.feature', scenario: 'A program error of the kernel while a driver runs is the simulator\'s failure, not the driver\'s' }],
  },
  {
    id: 'DEFERRED-DMA-CALLBACKS',
    detects: 'a machine booted with deferDmaCallbacks runs DMA execution routines later, from a DPC, never inside the call',
    site: 'AdapterChannels.allocate and ScatterGatherLists (src/kernel/hal/adapter-channel.ts, scatter-gather-list.ts)',
    proofs: [
      { feature: 'features/machine/what-drivers-must-expect.feature', scenario: 'On a machine that defers DMA callbacks, the execution routine runs after AllocateAdapterChannel returns' },
      { driverClass: 'read-write-direct', faultyDriver: 'cleanup-ends-request-awaiting-list' },
    ],
  },
  {
    id: 'SWEEP-ERROR-PATH-SITES',
    detects: 'the sweep also fails the first call at each call site only an earlier failure reaches',
    site: 'systematicSweep (src/sweep/systematic-sweep.ts)',
    proofs: [{ feature: 'features/sweep/systematic-fault-injection.feature', scenario: 'A call site only an error path reaches gets a run of its own' }],
  },
  {
    id: 'COMPLETE-TWICE-BEFORE-FINISH',
    detects: 'a second IoCompleteRequest of an IRP completed but not yet finished stops the machine (0x44)',
    site: 'IoManager.IoCompleteRequest (src/kernel/io/io-manager.ts)',
    proofs: [{ feature: 'features/machine/what-drivers-must-expect.feature', scenario: 'An IRP completed twice before its completion finished stops the machine' }],
  },
  {
    id: 'STOP-ORACLE',
    detects: 'a workload that ended in a bug check or a hang',
    site: 'stopOracle (src/oracles/stop-oracle.ts)',
    proofs: [{ driverClass: 'read-write-direct', faultyDriver: 'no-transfer-timeout', scenario: 'A device that fails or hangs mid-transfer: every request still completes' }],
  },
  {
    id: 'VERIFIER-ORACLE',
    detects: 'findings the DMA verifier recorded during a workload',
    site: 'verifierOracle (src/oracles/verifier-oracle.ts)',
    proofs: [{ driverClass: 'read-write-direct', faultyDriver: 'write-to-device-inverted', scenario: 'With the verifier only recording, a buffer mapped against the device\'s direction is still a finding' }],
  },
  {
    id: 'IO-MANAGER-FINDINGS',
    detects: 'the I/O manager\'s checks of the requests it hands a driver: completed with a cancel routine set, pending not marked, left pending at cleanup ...',
    site: 'IoManager.record (src/kernel/io/io-manager.ts), whose findings the verifier oracle reports',
    proofs: [{ feature: 'features/machine/what-drivers-must-expect.feature', scenario: 'An IRP completed with its cancel routine still set is a finding of the I/O manager' }],
  },
  {
    id: 'COMPLETION-ORACLE',
    detects: 'a request that did not end with the status and length the contract allows, or, for hostile input a scenario expects to fail, with the status it expects',
    site: 'completionFinding and statusFinding (src/oracles/completion-oracle.ts)',
    proofs: [{ driverClass: 'read-write-direct', faultyDriver: 'zero-length-last-descriptor', scenario: 'Physically contiguous buffers longer than the device\'s maximum transfer are cut into descriptors it accepts' }],
  },
  {
    id: 'CLAIM-AFTER-DEVICE-ERROR',
    detects: 'a request claiming bytes the device never moved after it reported an error',
    site: 'claimAfterDeviceError (src/oracles/completion-oracle.ts)',
    proofs: [{ driverClass: 'boot-preallocated-contiguous', faultyDriver: 'error-claims-batch', scenario: 'A device error after part of a ring transfer ends the request in an error claiming no more than the device moved, and the next one works' }],
  },
  {
    id: 'OWNERSHIP-ORACLE',
    detects: 'device DMA into memory no application owns, and kernel memory an application passed as its buffer that changed',
    site: 'ownershipOracle (src/oracles/ownership-oracle.ts)',
    proofs: [{ driverClass: 'read-write-direct', faultyDriver: 'complete-at-start', scenario: 'With the verifier only recording, the device writes only into buffers of requests still in flight' }],
  },
  {
    id: 'LEFTOVERS-ORACLE',
    detects: 'anything the driver left behind once unloaded: requests, IRPs, pool, MDLs, locked pages, mappings, DMA resources, PTEs, interrupts',
    site: 'leftoversOracle (src/oracles/leftovers-oracle.ts)',
    proofs: [{ driverClass: 'mapped-buffer-ioctl', faultyDriver: 'never-unmapped', scenario: 'The buffer is mapped into the process that asked for it, and the device fills and reads it there' }],
  },
  {
    id: 'FORWARD-PROGRESS-ORACLE',
    detects: 'a request of a driver that must make forward progress that failed for lack of resources or never completed',
    site: 'forwardProgressOracle (src/oracles/forward-progress-oracle.ts)',
    proofs: [{ driverClass: 'storage-forward-progress', faultyDriver: 'no-reserve', scenario: 'Every request completes while every pool allocation of the driver fails' }],
  },
] as const satisfies readonly Detection[];

export type DetectionId = (typeof detections)[number]['id'];

export const DETECTIONS: readonly (Detection & { readonly id: DetectionId })[] = detections;

export function isDetectionId(id: string): id is DetectionId {
  return detections.some((d) => d.id === id);
}
