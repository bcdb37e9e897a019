/**
 * Whether a detection of the simulator is on: every detection site asks
 * `detectionEnabled(id)` before it judges. All are on; only the detection
 * proof (scripts/detection-proof.cjs) and unit tests switch one off, one at a
 * time, to show that some scenario or faulty driver notices it missing
 * (src/kernel/detections/detection-registry.ts lists what should).
 */
import type { DetectionId } from './detection-registry';

let switchedOff: DetectionId | null = null;

/** True unless the proof has switched this detection off. A comparison: cheap on every hot path. */
export function detectionEnabled(id: DetectionId): boolean {
  return switchedOff !== id;
}

/** Switch one detection off until the returned function is called; one at a time, so a proof is about one detection. */
export function switchDetectionOff(id: DetectionId): () => void {
  if (switchedOff !== null) throw new Error(`detection ${switchedOff} is already switched off; switch it back on before ${id}`);
  switchedOff = id;
  return () => {
    if (switchedOff === id) switchedOff = null;
  };
}

/** Run `body` with one detection off, and switch it back on however `body` ends. */
export function withDetectionOff<T>(id: DetectionId, body: () => T): T {
  const restore = switchDetectionOff(id);
  try {
    return body();
  } finally {
    restore();
  }
}
