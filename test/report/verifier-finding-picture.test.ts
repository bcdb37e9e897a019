import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { BugCheck } from '../../src/machine/bug-check';
import type { VerifierFinding } from '../../src/kernel/verifier/dma-verifier';
import { VIOLATION_CATALOG, violationEntry } from '../../src/kernel/verifier/violation-catalog';
import { findingCard, findingCardOfBugCheck, verifierFindingPicture } from '../../src/report/verifier-finding-picture';
import { assertWellFormedSvg } from './well-formed-xml';

describe('a DMA verifier finding', () => {
  it('is read back from the bug check the verifier stopped the machine with', () => {
    const card = findingCardOfBugCheck(new BugCheck(0xe6, 0x0e, 3, 0x1234, 1, 'VER-UNLOCKED-DMA: the device wrote 4096 byte(s) at frame 4660 & more'));
    assert.ok(card);
    assert.equal(card.id, 'VER-UNLOCKED-DMA');
    assert.equal(card.rule, violationEntry('VER-UNLOCKED-DMA').rule);
    assert.equal(card.details, 'the device wrote 4096 byte(s) at frame 4660 & more');
    assert.deepEqual(card.parameters, [0x0e, 3, 0x1234, 1]);
    assert.equal(card.stoppedTheMachine, true);
  });

  it('is not read from other stops, nor from an ID the catalog does not have', () => {
    assert.equal(findingCardOfBugCheck(new BugCheck(0x4e, 0, 0, 0, 0, 'VER-UNLOCKED-DMA: not a verifier stop')), null);
    assert.equal(findingCardOfBugCheck(new BugCheck(0xe6, 0, 0, 0, 0, 'VER-NO-SUCH-CHECK: x')), null);
    assert.equal(findingCardOfBugCheck(new BugCheck(0xe6, 0, 0, 0, 0, 'no catalog ID here')), null);
    // The entry is the stop's parameter 1, which is the catalog's data; the reason's words decide nothing.
    const byParameter = findingCardOfBugCheck(new BugCheck(0xe6, 0x06, 2, 2, 1, 'a reason that names no entry'));
    assert.deepEqual([byParameter?.id, byParameter?.rule, byParameter?.details], ['VER-SG-DOUBLE-PUT', 'SG-3', 'a reason that names no entry']);
    const parameter1s = VIOLATION_CATALOG.map((e) => e.parameter1);
    assert.equal(new Set(parameter1s).size, parameter1s.length, 'every entry has a parameter 1 of its own');
  });

  it('draws the catalog entry, the four parameters, what they mean and what happened', () => {
    const entry = violationEntry('VER-SG-DOUBLE-PUT');
    const finding: VerifierFinding = {
      id: 'VER-SG-DOUBLE-PUT',
      rule: entry.rule,
      bugCheckCode: 0xe6,
      parameters: [entry.parameter1, 2, 3, 0x77],
      windows: entry.windows,
      linux: entry.linux,
      details: 'PutScatterGatherList called twice for the list of MDL <7>',
      atNs: 12_345,
      driver: 'dma.sys',
    };
    const svg = verifierFindingPicture(findingCard(finding, false));
    assertWellFormedSvg(svg);
    assert.match(svg, />DMA verifier finding VER-SG-DOUBLE-PUT</);
    assert.ok(svg.includes(`>${entry.rule}<`));
    assert.match(svg, />0xE6 DRIVER_VERIFIER_DMA_VIOLATION \(recorded; the machine carried on\)</);
    for (const p of ['0x6', '0x2', '0x3', '0x77']) assert.ok(svg.includes(`>${p}<`), p);
    assert.match(svg, /MDL &lt;7&gt;/);
    assert.match(svg, /at 12345 ns of simulated time, while dma\.sys was running/);
  });
});
