/**
 * Model-based test of MDL lock, unlock, partial-MDL, mapping and free
 * sequences (PAGE-1, PAGE-5, MDL-2, MDL-3). The model and its commands live
 * in src/fuzz/kernel-models/mdl-model.ts, where `npm run fuzz` reaches them
 * too; here they run with a fixed seed.
 *
 * The first property runs mostly legal sequences: the machine agrees with the
 * model after every command, and an occasional illegal step stops it with its
 * documented bug check. The second appends one illegal command to a legal
 * sequence and checks that it always stops the machine.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MdlModel, MdlReal, mdlIllegalCommand, mdlKernelModel, mdlLegalCommands, setupMdlModel } from '../../src/fuzz/kernel-models/mdl-model';

const SEED = 20_260_523;

describe('MDL sequences against a model of lock counts', () => {
  it('mostly legal sequences: the machine agrees with the model after every command, and an illegal step stops it as documented', () => {
    fc.assert(
      fc.property(fc.commands([mdlKernelModel.commands], { maxCommands: 40, size: 'max' }), (commands) => {
        fc.modelRun(setupMdlModel, commands);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('an illegal step after any legal sequence always stops the machine with its bug check', () => {
    fc.assert(
      fc.property(fc.commands([...mdlLegalCommands], { maxCommands: 25, size: 'max' }), mdlIllegalCommand, (commands, illegal) => {
        let world: { model: MdlModel; real: MdlReal } | undefined;
        fc.modelRun(() => (world = setupMdlModel()), commands);
        assert.ok(world && !world.model.stopped, 'the legal prefix ran without a stop');
        assert.ok(illegal.check(world.model));
        illegal.run(world.model, world.real);
        assert.ok(world.model.stopped, 'the illegal step was taken');
        assert.ok(world.real.machine.kernel.stopped, 'the machine stopped');
      }),
      { seed: SEED, numRuns: 150 },
    );
  });
});
