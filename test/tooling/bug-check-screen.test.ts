import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import { BugCheck } from '../../src/machine/bug-check';
import { bugCheckScreen } from '../../steps/support/bug-check-screen';

it('the bug check screen shows the stop name, the code with its four parameters, and the reason', () => {
  const screen = bugCheckScreen(new BugCheck(0x4e, 0x99, 0x12345, 0x2, 0xffff_ffff_f, 'a partial MDL outlived its parent'));
  const lines = screen.split('\n');
  assert.ok(lines.includes('PFN_LIST_CORRUPT'), screen);
  assert.ok(lines.includes('*** STOP: 0x0000004E (0x0000000000000099, 0x0000000000012345, 0x0000000000000002, 0x0000000FFFFFFFFF)'), screen);
  assert.ok(lines.includes('Reason: a partial MDL outlived its parent'), screen);
});
