/**
 * A kernel model: a small model of one part of the kernel, commands that
 * drive the real machine and the model side by side, and the checks after
 * every command that the two agree (fast-check model-based testing with the
 * synchronous `fc.modelRun`: the simulator is synchronous).
 */
import fc from 'fast-check';
import { FuzzTarget } from '../campaign';
import type { RuleRef } from '../../rules/rule-ref';
import { releaseModelMachine } from './model-machine';

export interface KernelModel<Model extends object, Real> {
  /** Short name used on the command line: `npm run fuzz -- --model <name>`. */
  readonly name: string;
  /** What is modelled, in a few words. */
  readonly title: string;
  /** The IDs (docs/RULES.md) the model's checks guard. */
  readonly rules: readonly RuleRef[];
  readonly commands: fc.Arbitrary<fc.Command<Model, Real>>;
  readonly maxCommands: number;
  setup(): { model: Model; real: Real };
}

/** The kernel model as a fuzz target: sequences of its commands, run against a fresh machine each. */
export function kernelModelTarget<Model extends object, Real>(kernelModel: KernelModel<Model, Real>, maxCommands = kernelModel.maxCommands): FuzzTarget {
  return {
    name: `kernel model ${kernelModel.name}`,
    replayArguments: ['--model', kernelModel.name, ...(maxCommands === kernelModel.maxCommands ? [] : ['--operations', String(maxCommands)])],
    property: (replayPath) =>
      fc.property(fc.commands([kernelModel.commands], { maxCommands, size: 'max', ...(replayPath === undefined ? {} : { replayPath }) }), (commands) => {
        fc.modelRun(() => kernelModel.setup(), commands);
        // Only a run that passed: a failing one's error is still being reported.
        releaseModelMachine();
      }),
  };
}
