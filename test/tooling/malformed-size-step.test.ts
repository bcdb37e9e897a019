import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, it } from 'node:test';
import { runCucumber, temporaryFolder } from './run-cucumber';

const dir = temporaryFolder({
  'malformed.feature': [
    'Feature: malformed sizes in steps',
    '  Scenario: an unknown unit',
    '    Given a machine with 8 MeB of RAM',
    '  Scenario: a thousands separator',
    '    Given a machine with 1,000 MiB of RAM',
    '',
  ].join('\n'),
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

it('a malformed size fails its step with the MalformedSize message, not as an undefined step', async () => {
  const run = await runCucumber([path.join(dir, 'malformed.feature')]);
  assert.equal(run.status, 1, run.output);
  assert.match(run.output, /MalformedSize: malformed size "8 MeB": unknown unit "MeB"\. Write sizes like "8 MiB"/);
  assert.match(run.output, /MalformedSize: malformed size "1,000 MiB": "1,000 MiB" is not a number followed by a unit/);
  assert.match(run.output, /2 scenarios \(2 failed\)/);
  assert.doesNotMatch(run.output, /undefined/i);
});
