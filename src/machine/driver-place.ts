/**
 * Where in the driver's own source a finding happened: the driver function
 * that made the call (or the access) and its file:line. Driver Verifier
 * names the return address; the simulator reads the call stack, which each
 * personality knows how to read (a TypeScript module's frames, a C module's
 * wasm frames through its line table).
 */
export interface DriverPlace {
  readonly function: string;
  readonly file: string;
  readonly line: number;
}

/** Reads a call stack (an Error's `stack`) and returns the innermost frame in the driver's code, or null. */
export type DriverPlaceFinder = (stack: string) => DriverPlace | null;

/** "ProgramDevice (src/driver.c:123)". */
export function formatDriverPlace(place: DriverPlace): string {
  return `${place.function} (${place.file}:${place.line})`;
}

/** Frames a driver's call is below: the simulator's own calls between the report and the driver. */
const STACK_DEPTH = 64;

/** The current call stack, deep enough to reach the driver's frame under the simulator's. */
export function currentStack(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = STACK_DEPTH;
  try {
    return new Error().stack ?? '';
  } finally {
    Error.stackTraceLimit = limit;
  }
}
