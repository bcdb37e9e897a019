/**
 * The suite's drivers as unit tests get them: from the driver finder, the way
 * every tool gets them, never by importing a driver module
 * (test/tooling/layout-boundaries.test.ts).
 */
import type { ConformanceClass } from '../../src/conformance/classes';
import { faultyDriverOf, referenceDriverOf } from '../../src/conformance/driver-finder';
import type { DriverModule } from '../../src/personalities/wdm/contract';

/** The reference driver of a class. */
export function referenceDriverFor(conformanceClass: ConformanceClass): DriverModule {
  const file = referenceDriverOf(conformanceClass);
  if (!file) throw new Error(`class ${conformanceClass} has no reference driver`);
  return file.driver;
}

/** A faulty driver of a class, by its file name without .ts (faulty/no-reserve.ts: 'no-reserve'). */
export function faultyDriverFor(conformanceClass: ConformanceClass, name: string): DriverModule {
  const file = faultyDriverOf(conformanceClass, name);
  if (!file) throw new Error(`class ${conformanceClass} has no faulty driver ${name}`);
  return file.driver;
}
