/**
 * Where in the driver's own source a finding happened: the driver function
 * that made the call (or the access) and its file:line. Driver Verifier
 * names the return address; the simulator reads the call stack, which each
 * personality knows how to read (a TypeScript module's frames, a C module's
 * wasm frames through its line table).
 *
 * A finding made after the driver's code returned (a list never put back, a
 * lock never undone, a request left pending) has no call of its own to name:
 * its place is where the driver acquired what it still holds, and says so
 * (`acquiredWith`, the kernel routine it called there).
 */
export interface DriverPlace {
  readonly function: string;
  readonly file: string;
  readonly line: number;
  /** Set when the place is where the driver acquired what the finding says it still holds: the routine it acquired it with (IoAllocateMdl, IoMarkIrpPending ...). */
  readonly acquiredWith?: string;
}

/** Reads a call stack (an Error's `stack`) and returns the innermost frame in the driver's code, or null. */
export type DriverPlaceFinder = (stack: string) => DriverPlace | null;

/** "ProgramDevice (src/driver.c:123)". */
export function formatDriverPlace(place: DriverPlace): string {
  return `${place.function} (${place.file}:${place.line})`;
}

/**
 * The place as a finding's message ends with it: "in the driver at ProgramDevice (src/driver.c:123)", or, for
 * what the driver still holds, "acquired with IoAllocateMdl by StartTransfer (src/driver.c:123)".
 */
export function describeDriverPlace(place: DriverPlace): string {
  return place.acquiredWith === undefined ? `in the driver at ${formatDriverPlace(place)}` : `acquired with ${place.acquiredWith} by ${formatDriverPlace(place)}`;
}

/** Frames a driver's call is below: the simulator's own calls between the report and the driver. */
const STACK_DEPTH = 64;

/** The current call stack, deep enough to reach the driver's frame under the simulator's. */
export function currentStack(): string {
  return takeStack(STACK_DEPTH).stack ?? '';
}

/** The stack now, `depth` frames deep, not yet formatted (V8 formats an Error's stack when it is first read). */
function takeStack(depth: number): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = depth;
  try {
    return new Error();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Frames between a kernel routine that hands the driver a resource and the driver's call: the routine, the
 * personality's binding, and for a C driver the import glue (at most 9 in the suite's drivers, TypeScript
 * and C). Far fewer than STACK_DEPTH, because an acquisition is taken on every such call, most are never
 * asked about, and taking a stack costs in proportion to its frames.
 */
const ACQUISITION_DEPTH = 16;

/**
 * Where driver code acquired a resource, kept with the resource's record. The stack is taken at the call
 * but read for the driver's frame only when a finding asks (formatting a stack costs far more than taking
 * one, and most resources are given back).
 */
export class Acquisition {
  private readonly taken: Error;
  private read: DriverPlace | null | undefined;

  private constructor(readonly routine: string, private readonly finder: DriverPlaceFinder) {
    this.taken = takeStack(ACQUISITION_DEPTH);
  }

  /** The acquisition of the call being made now, or null when no finder can tell (no driver code runs). */
  static now(routine: string, finder: DriverPlaceFinder | undefined): Acquisition | null {
    return finder ? new Acquisition(routine, finder) : null;
  }

  /** The driver's call, marked as where the resource was acquired; null when its frame was not on the stack. */
  get place(): DriverPlace | null {
    if (this.read === undefined) {
      const found = this.finder(this.taken.stack ?? '');
      this.read = found ? { ...found, acquiredWith: this.routine } : null;
    }
    return this.read;
  }
}

/** The place of the first acquisition that has one, as a finding's optional field. */
export function acquiredPlace(...acquisitions: readonly (Acquisition | null | undefined)[]): { place?: DriverPlace } {
  for (const a of acquisitions) {
    const place = a?.place;
    if (place) return { place };
  }
  return {};
}
