/**
 * A seeded mix of reads and writes, as an application that streams data
 * through the device would issue them: sizes from a single byte to the
 * largest the scenario allows (log-uniform, with the largest itself drawn
 * often), buffers starting anywhere in a page, some requests overlapped
 * while earlier ones are still in flight. The same machine seed gives the
 * same mix.
 */
import type { UserBuffer } from '../kernel/io/application';
import { PAGE_SIZE } from '../contracts/units';
import type { TrackedRequest } from './request-ledger';
import type { WorkloadApplication } from './workload-application';

export interface MixedWorkloadOptions {
  /** Requests to issue. */
  readonly requests: number;
  /** The largest request, in bytes. */
  readonly largest: number;
  /** Requests kept in flight at once (1: every request waits for the previous one). */
  readonly depth: number;
  /** Share of writes, 0..1. */
  readonly writeShare?: number;
  /** Share of requests of exactly the largest size, 0..1. */
  readonly largestShare?: number;
}

export interface MixedRequest {
  readonly size: number;
  readonly offsetIntoPage: number;
  readonly write: boolean;
}

/** The requests of the mix, in order (pure: the same options and random source give the same list). */
export function mixedRequests(next: () => number, options: MixedWorkloadOptions): MixedRequest[] {
  if (!(Number.isInteger(options.requests) && options.requests > 0)) throw new RangeError(`a mixed workload needs a positive whole number of requests, got ${options.requests}`);
  if (!(Number.isInteger(options.largest) && options.largest >= 1)) throw new RangeError(`the largest request must be at least 1 byte, got ${options.largest}`);
  if (!(Number.isInteger(options.depth) && options.depth >= 1)) throw new RangeError(`the depth of a mixed workload must be at least 1, got ${options.depth}`);
  const writeShare = options.writeShare ?? 0.5;
  const largestShare = options.largestShare ?? 0.2;
  const out: MixedRequest[] = [];
  for (let i = 0; i < options.requests; i++) {
    const size = next() < largestShare ? options.largest : Math.max(1, Math.min(options.largest, Math.floor(Math.exp(next() * Math.log(options.largest + 1)))));
    const offsetIntoPage = next() < 0.25 ? 0 : Math.floor(next() * PAGE_SIZE);
    out.push({ size, offsetIntoPage, write: next() < writeShare });
  }
  return out;
}

/**
 * Run the mix on the application: each request gets a fresh buffer, freed
 * once the request has finished and its data has been checked.
 */
export function runMixedWorkload(app: WorkloadApplication, options: MixedWorkloadOptions): MixedRequest[] {
  const rng = app.workload.rng.fork(`mixed workload of ${app.name}`);
  const plan = mixedRequests(() => rng.next(), options);
  const inFlight: { tracked: TrackedRequest; buffer: UserBuffer }[] = [];
  const retire = () => {
    const oldest = inFlight.shift()!;
    app.app.waitFor(oldest.tracked.request);
    app.checkFinishedReads();
    app.free(oldest.buffer);
  };
  for (const r of plan) {
    if (inFlight.length >= options.depth) retire();
    const buffer = app.allocate(r.size, r.offsetIntoPage);
    const overlapped = options.depth > 1;
    const tracked = r.write ? app.write(buffer, { overlapped }) : app.read(buffer, { overlapped });
    inFlight.push({ tracked, buffer });
  }
  while (inFlight.length > 0) retire();
  return plan;
}
