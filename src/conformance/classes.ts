/**
 * The conformance classes: one entry per class, one folder per class
 * (src/conformance/<class>/: interface.ts, application.ts, reference.ts,
 * faulty/). A class's name is its folder, its feature file
 * (features/conformance/<class>.feature) and its steps file
 * (steps/<class>.steps.ts). The class type is the keys of this table, so a
 * class named anywhere without an entry here does not compile, and every
 * tool (the loader, the fuzzer, the sweep, the driver finder, the report)
 * reads the classes from here.
 */
import type { ClassProtocol } from './class-protocol';
import { bootPreallocatedContiguousProtocol } from './boot-preallocated-contiguous/application';
import { mappedBufferIoctlProtocol } from './mapped-buffer-ioctl/application';
import { mappedFileDmaProtocol } from './mapped-file-dma/application';
import { peerToPeerDmaProtocol } from './peer-to-peer-dma/application';
import { readWriteDirectProtocol } from './read-write-direct/application';
import { sharedBufferIoctlProtocol } from './shared-buffer-ioctl/application';
import { storageForwardProgressProtocol } from './storage-forward-progress/application';

export interface ConformanceClassEntry {
  /** One line for docs, the loader's messages and the report. */
  readonly description: string;
  /** The source documents (../seeds) the class comes from, by number. */
  readonly seeds: readonly string[];
  /** How the class's applications talk to a driver: what the fuzzer composes and the sweep runs. */
  readonly protocol: ClassProtocol;
}

const TABLE = {
  'read-write-direct': {
    description: 'direct-I/O reads and writes, a scatter/gather list per request',
    seeds: ['001', '003'],
    protocol: readWriteDirectProtocol,
  },
  'shared-buffer-ioctl': {
    description: 'long-lived application buffers kept locked in pending requests, the scatter/gather list built once and reused',
    seeds: ['000'],
    protocol: sharedBufferIoctlProtocol,
  },
  'mapped-buffer-ioctl': {
    description: 'a driver-allocated locked buffer mapped into the application by an IOCTL, unmapped at cleanup',
    seeds: ['000'],
    protocol: mappedBufferIoctlProtocol,
  },
  'storage-forward-progress': {
    description: 'never fails a request for lack of resources: a preallocated reserve and a queue while it is busy',
    seeds: ['001'],
    protocol: storageForwardProgressProtocol,
  },
  'boot-preallocated-contiguous': {
    description: 'a common-buffer ring over contiguous buffers preallocated at boot',
    seeds: ['002'],
    protocol: bootPreallocatedContiguousProtocol,
  },
  'mapped-file-dma': {
    description: 'DMA into a mapped file view the application then flushes to the file',
    seeds: ['000'],
    protocol: mappedFileDmaProtocol,
  },
  'peer-to-peer-dma': {
    description: 'the device moves data straight into or out of another PCI device\'s memory BAR the application names, device to device',
    seeds: ['000', '002'],
    protocol: peerToPeerDmaProtocol,
  },
} as const satisfies Record<string, ConformanceClassEntry>;

export type ConformanceClass = keyof typeof TABLE;

export const CONFORMANCE_CLASSES: Readonly<Record<ConformanceClass, ConformanceClassEntry>> = TABLE;

export const CONFORMANCE_CLASS_NAMES = Object.keys(TABLE) as ConformanceClass[];

export function isConformanceClass(value: unknown): value is ConformanceClass {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(TABLE, value);
}

/** The protocol of a class: how its applications talk to a driver. */
export function protocolFor(conformanceClass: ConformanceClass): ClassProtocol {
  return CONFORMANCE_CLASSES[conformanceClass].protocol;
}

/** "read-write-direct (seeds 001, 003): direct-I/O reads and writes ..." */
export function describeClass(conformanceClass: ConformanceClass): string {
  const entry = CONFORMANCE_CLASSES[conformanceClass];
  return `${entry.description} (seed${entry.seeds.length > 1 ? 's' : ''} ${entry.seeds.join(', ')})`;
}
