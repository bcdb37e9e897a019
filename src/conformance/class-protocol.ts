/**
 * The protocol of a conformance class: how an application of the class talks
 * to the driver, what it does after opening the device, how it moves data
 * each way, and how it hands the driver hostile buffers. Each class's
 * application.ts declares one; the workload fuzzer composes random
 * applications from it and the sweep runs its standard workload through it.
 *
 * Every request goes into the workload's ledger with the outcome the class's
 * rules demand (src/workload/request-ledger.ts), and every read's data is
 * compared with the device's stream once it finishes.
 */
import type { ConformanceClass } from './classes';
import type { UserBuffer } from '../kernel/io/application';
import type { BootConfig } from '../machine/boot-config';
import { guardedKernelBuffer } from '../workload/hostile-input';
import { CallSite, FAILURE_POINTS, FailurePoint } from '../workload/machine-events';
import type { OracleFinding } from '../oracles/oracle-finding';
import type { TrackedRequest } from '../workload/request-ledger';
import type { Workload } from '../workload/workload';
import type { WorkloadApplication } from '../workload/workload-application';

export type Direction = 'read' | 'write';

/** Bad input an application may hand the driver; each must get an error status and no DMA. */
export const HOSTILE_KINDS = ['kernel address', 'freed buffer', 'too short buffer'] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

/** A transfer the application started: its request, and the buffer to free once it has finished (none when the driver owns the memory). */
export interface StartedTransfer {
  readonly tracked: TrackedRequest;
  readonly buffer: UserBuffer | null;
}

export interface ClassProtocol {
  readonly conformanceClass: ConformanceClass;
  /** Boot options the class needs (buffers preallocated at boot for its device, say). */
  readonly bootOptions: Partial<BootConfig>;
  /** Buffers of this class may start anywhere in a page (false: a mapped view starts on a page). */
  readonly unalignedStarts: boolean;
  /** A read into a page that cannot be paged back in fails the request (direct I/O locks the buffer). */
  readonly pageInErrorsFailRequests: boolean;
  /** Reads may go into overlapping parts of one buffer (the data then is whatever landed last). */
  readonly overlappingReads: boolean;
  /** Where allocation failures are injected: which routines, whose calls (the driver's, the I/O manager's). */
  readonly failurePoints: readonly FailurePoint[];
  readonly failureSites: readonly CallSite[];
  /** Whether other drivers may take all of non-paged pool, which fails the I/O manager's allocations too. */
  readonly poolExhaustion: boolean;
  /** Oracles of the class, run at the end of each workload besides the common ones. */
  readonly endOracles: readonly ((workload: Workload) => OracleFinding[])[];
  /**
   * What the application does right after opening the device. False when
   * the driver refused (the ledger judges whether it could), and the
   * application then gives up on the handle.
   */
  afterOpen(app: WorkloadApplication): boolean;
  /** What the application does after CancelIo, besides nothing: wait for requests it needs to know are gone. */
  afterCancel?(app: WorkloadApplication): void;
  /**
   * The application repeats its set-up request on a handle that already has
   * what it asked for (a second map or queue registration): the driver must
   * refuse it and keep the first. Absent when the class has no set-up request.
   */
  setUpAgain?(app: WorkloadApplication): void;
  /**
   * The longest request the class's interface allows, when it is longer than
   * the transfers the workload fuzzer draws for every class (8 MiB): the
   * fuzzer's draws of its largest transfer are then requests of exactly this
   * length, each waited for.
   */
  readonly largestRequest?: number;
  /** Move data; null when the class's transfer finished within the call and left nothing to wait for or free. */
  transfer(app: WorkloadApplication, direction: Direction, size: number, offsetIntoPage: number, overlapped: boolean): StartedTransfer | null;
  hostile(app: WorkloadApplication, kind: HostileKind, size: number): TrackedRequest | null;
}

/** ReadFile and WriteFile on the device, for classes whose data path is the plain read and write requests. */
export const readWriteTransfers = {
  transfer(app: WorkloadApplication, direction: Direction, size: number, offsetIntoPage: number, overlapped: boolean): StartedTransfer {
    const buffer = app.allocate(size, offsetIntoPage);
    const tracked = direction === 'read' ? app.read(buffer, { overlapped }) : app.write(buffer, { overlapped });
    return { tracked, buffer };
  },
  hostile(app: WorkloadApplication, kind: HostileKind, size: number): TrackedRequest | null {
    switch (kind) {
      case 'kernel address': {
        const guard = guardedKernelBuffer(app.workload, size);
        return guard ? app.transferRaw(size % 2 === 0 ? 'read' : 'write', guard.va, size, 'a kernel address') : null;
      }
      case 'freed buffer':
        return app.readFreed(size);
      case 'too short buffer':
        return app.readPastEnd(size);
    }
  },
};

/** Every failure point, at the driver's and the I/O manager's calls, and pool exhaustion. */
export const ALL_FAILURES = { failurePoints: FAILURE_POINTS, failureSites: ['driver', 'io-manager'], poolExhaustion: true } as const;

