/** The commands a run prints are the ones the user runs the suite with. */
import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import { CLI_ENVIRONMENT, suiteCommand } from '../../src/cli/suite-command';

it('names npm run inside the checkout and the installed command when the user came through it', () => {
  assert.deepEqual(suiteCommand('fuzz', {}), ['npm', 'run', 'fuzz', '--']);
  assert.deepEqual(suiteCommand('fuzz', { [CLI_ENVIRONMENT]: 'npx dma-conformance' }), ['npx', 'dma-conformance', 'fuzz']);
  assert.deepEqual(suiteCommand('conformance', { [CLI_ENVIRONMENT]: 'npx dma-conformance' }), ['npx', 'dma-conformance', 'run']);
});
