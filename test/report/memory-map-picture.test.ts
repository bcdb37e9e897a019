import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { FrameFlag, FrameState } from '../../src/kernel/mm/physical-memory';
import { Machine } from '../../src/machine/machine';
import { GiB } from '../../src/contracts/units';
import { FrameDatabase, frameKind, framesPerCell, memoryMapCells, memoryMapPicture } from '../../src/report/memory-map-picture';
import { assertWellFormedSvg } from './well-formed-xml';

/**
 * 4096 frames, 16 per cell, 16 cells per row: frames 0-15 and 3072-4095 are
 * not RAM (the latter four whole rows), the rest free except a few.
 */
function smallDatabase(): FrameDatabase {
  const frameLimit = 4096;
  const db = { frameLimit, state: new Uint8Array(frameLimit), flags: new Uint8Array(frameLimit), lockCount: new Uint16Array(frameLimit) };
  db.state.fill(FrameState.Free, 16, 3072);
  db.state[300] = FrameState.Pageable;
  db.state[301] = FrameState.Pageable;
  db.lockCount[301] = 1;
  db.state[302] = FrameState.Pageable;
  db.lockCount[302] = 1;
  db.flags[302] = FrameFlag.DmaTouched;
  for (let pfn = 400; pfn < 416; pfn++) {
    db.state[pfn] = FrameState.NonPaged;
    db.flags[pfn] = FrameFlag.Contiguous;
  }
  db.state[500] = FrameState.NonPaged;
  return db;
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('the physical memory map', () => {
  it('tells each frame by its most notable kind', () => {
    const db = smallDatabase();
    assert.equal(frameKind(db, 0), 'absent');
    assert.equal(frameKind(db, 16), 'free');
    assert.equal(frameKind(db, 300), 'pageable');
    assert.equal(frameKind(db, 301), 'locked');
    assert.equal(frameKind(db, 302), 'dma', 'touched by DMA outranks locked');
    assert.equal(frameKind(db, 400), 'contiguous', 'contiguous outranks non-paged');
    assert.equal(frameKind(db, 500), 'nonPaged');
  });

  it('groups frames into power-of-two cells that cover every frame once', () => {
    assert.equal(framesPerCell(4096, 256), 16);
    assert.equal(framesPerCell(4097, 256), 32);
    assert.equal(framesPerCell(2_228_224, 2048), 2048, 'an 8 GiB machine: 8 MiB per cell');
    const cells = memoryMapCells(smallDatabase(), 16);
    assert.equal(cells.length, 256);
    assert.equal(cells.reduce((n, c) => n + c.counts.reduce((a, b) => a + b, 0), 0), 4096);
    const mixed = cells[18]!; // frames 288-303
    assert.equal(mixed.kind, 'dma');
    assert.deepEqual(mixed.counts, [1, 1, 0, 0, 1, 13, 0]);
    assert.equal(cells[25]!.kind, 'contiguous');
  });

  it('draws the kinds, the legend counts and a band for rows without RAM', () => {
    const svg = memoryMapPicture(smallDatabase(), { maxCells: 256, columns: 16, caption: 'scenario <x>' });
    assertWellFormedSvg(svg);
    assert.equal(count(svg, 'data-kind="dma"'), 1);
    assert.equal(count(svg, 'data-kind="contiguous"'), 1);
    assert.equal(count(svg, 'data-kind="nonPaged"'), 1);
    assert.match(svg, />touched by DMA: 1</);
    assert.match(svg, />locked: 1</);
    assert.match(svg, />free: 3036</);
    assert.match(svg, />4 MiB without RAM, up to 0x001000000</);
    assert.match(svg, /Physical memory: scenario &lt;x&gt;/);
    // The mixed cell says what it holds when hovered.
    assert.match(svg, /frames 288-303\): 1 touched by DMA, 1 locked, 1 pageable, 13 free/);
  });

  it('outlines the cells holding a named buffer\'s frames and counts its pages', () => {
    const svg = memoryMapPicture(smallDatabase(), { maxCells: 256, columns: 16, highlights: [{ label: 'buffer "A"', frames: [300, 301, 302, 500, -1] }] });
    assertWellFormedSvg(svg);
    assert.equal(count(svg, 'data-highlight="buffer &quot;A&quot;"'), 2, 'frames 300-302 share a cell, frame 500 has its own');
    assert.match(svg, /buffer &quot;A&quot;: 5 page\(s\), 4 resident, 1 not resident, 2 locked, in 2 cell\(s\)/);
  });

  it('maps a booted machine in one picture of bounded size', () => {
    const machine = Machine.boot({ ramBytes: 1 * GiB });
    const svg = memoryMapPicture(machine.physical);
    assertWellFormedSvg(svg);
    assert.ok(svg.includes(`>free: ${machine.physical.freeFrames}<`));
    assert.ok(svg.length < 100_000, `${svg.length} bytes for an idle machine`);
  });
});
