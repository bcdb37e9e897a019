/**
 * Which of the driver's calls the sweep fails for a class. Every fallible
 * call, unless the class's rules speak only of some: a storage driver must
 * make forward progress when its scatter/gather lists and pool fail (SG-5),
 * and its protocol names just those points (its class's application.ts).
 * Such a class's other calls are failed only while the driver starts, where
 * refusing to start is always a correct answer. Calls the sweep does not
 * fail are not counted either, so every run fails a call until the last.
 */
import type { ClassProtocol } from '../conformance/class-protocol';
import { FAILURE_POINTS } from '../workload/machine-events';

export type MayFail = (point: string, duringStart: boolean) => boolean;

export function failablePointsOf(protocol: ClassProtocol): MayFail {
  const narrowed = FAILURE_POINTS.some((p) => !protocol.failurePoints.includes(p));
  if (!narrowed) return () => true;
  const points: ReadonlySet<string> = new Set(protocol.failurePoints);
  return (point, duringStart) => duringStart || points.has(point);
}
