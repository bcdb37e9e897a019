/**
 * Choosing a fuzz target from command-line options: a kernel model by name,
 * or the workload fuzzer against a driver module (as one of its classes,
 * with a budget of operations). A replay must choose the target with the
 * options the counterexample printed, since they shape what is generated.
 */
import { isConformanceClass } from '../conformance/classes';
import { loadDriverModule } from '../personalities/driver-loader';
import { FuzzTarget } from './campaign';
import { kernelModelNamed } from './kernel-models/kernel-model-catalog';
import { kernelModelTarget } from './kernel-models/kernel-model';
import { workloadFuzzTarget } from './workload/workload-fuzzer';

export interface TargetSelection {
  readonly model?: string;
  /** Module path of a driver, relative to the working directory. */
  readonly driver?: string;
  /** The driver's conformance class to fuzz it as. */
  readonly conformanceClass?: string;
  /** Commands (operations) per sequence; each target has its own default. */
  readonly operations?: number;
}

export function selectTarget(selection: TargetSelection): FuzzTarget {
  if ((selection.model === undefined) === (selection.driver === undefined)) throw new RangeError('choose one fuzz target: --model <name> or --driver <module path>');
  if (selection.operations !== undefined && !(Number.isSafeInteger(selection.operations) && selection.operations >= 1)) throw new RangeError(`--operations must be a whole number >= 1, got ${selection.operations}`);
  if (selection.model !== undefined) {
    if (selection.conformanceClass !== undefined) throw new RangeError('--class applies to a driver, not to a kernel model');
    const model = kernelModelNamed(selection.model);
    return kernelModelTarget(model, selection.operations ?? model.maxCommands);
  }
  const c = selection.conformanceClass;
  if (c !== undefined && !isConformanceClass(c)) throw new RangeError(`unknown conformance class "${c}"`);
  const driver = loadDriverModule(selection.driver!);
  return workloadFuzzTarget({ driver, modulePath: selection.driver!, ...(c === undefined ? {} : { conformanceClass: c }), ...(selection.operations === undefined ? {} : { operations: selection.operations }) });
}
