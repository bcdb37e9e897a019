import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { BugCheck } from '../../src/machine/bug-check';
import { bugCheckPicture, bugCheckScreenText } from '../../src/report/bug-check-picture';
import { assertWellFormedSvg } from './well-formed-xml';

const stop = new BugCheck(0x4e, 0x99, 0x12345, 0x2, 0xffff_ffff_f, 'a partial MDL <part> outlived its parent & was used');

describe('the bug check screen', () => {
  it('as text: the stop name, the code with its four parameters, and the reason', () => {
    const lines = bugCheckScreenText(stop).split('\n');
    assert.ok(lines.includes('PFN_LIST_CORRUPT'));
    assert.ok(lines.includes('*** STOP: 0x0000004E (0x0000000000000099, 0x0000000000012345, 0x0000000000000002, 0x0000000FFFFFFFFF)'));
    assert.ok(lines.includes('Reason: a partial MDL <part> outlived its parent & was used'));
  });

  it('as a picture: well-formed SVG with the name, the code, each parameter and the escaped reason', () => {
    const svg = bugCheckPicture(stop);
    assertWellFormedSvg(svg);
    assert.match(svg, />PFN_LIST_CORRUPT</);
    assert.match(svg, />Stop code 0x4E</);
    for (const p of ['0x0000000000000099', '0x0000000000012345', '0x0000000000000002', '0x0000000FFFFFFFFF']) assert.ok(svg.includes(`>${p}<`), p);
    assert.ok(svg.includes('a partial MDL &lt;part&gt; outlived its parent &amp; was used'));
    assert.match(svg, /aria-label="Bug check 0x4E PFN_LIST_CORRUPT"/);
  });

  it('wraps a long reason onto more lines, and the picture grows to hold them', () => {
    const short = bugCheckPicture(new BugCheck(0xc4, 0, 0, 0, 0, 'short'));
    const long = bugCheckPicture(new BugCheck(0xc4, 0, 0, 0, 0, 'word '.repeat(100).trim()));
    const height = (svg: string) => Number(/height="(\d+)"/.exec(svg)![1]);
    assert.ok(height(long) > height(short) + 50, `${height(long)} vs ${height(short)}`);
    assert.ok(!/>(word ){30,}/.test(long), 'a reason line runs off the picture');
  });
});
