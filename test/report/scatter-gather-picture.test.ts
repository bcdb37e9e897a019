import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { PAGE_SIZE } from '../../src/contracts/units';
import { DescribedBuffer, placeElements, scatterGatherPicture } from '../../src/report/scatter-gather-picture';
import { assertWellFormedSvg } from './well-formed-xml';

// 3 pages starting 0x200 into a page: page 0 in frame 100, page 1 in frame 101 (adjacent), page 2 in frame 7.
const buffer: DescribedBuffer = { name: 'A <1>', va: 0x10200, length: 2 * PAGE_SIZE + 0x100, frames: [100, 101, 7] };

function element(Address: number, Length: number) {
  return { Address, Length };
}

describe('a scatter/gather list against its buffer', () => {
  it('places elements in transfer order and tells direct ones from remapped ones', () => {
    const list = {
      NumberOfElements: 2,
      Elements: [element(100 * PAGE_SIZE + 0x200, 2 * PAGE_SIZE - 0x200), element(7 * PAGE_SIZE, 0x300)],
    };
    const placed = placeElements(list, buffer);
    assert.deepEqual(
      placed.map((p) => [p.bufferOffset, p.mapping]),
      [[0, 'direct'], [2 * PAGE_SIZE - 0x200, 'direct']],
    );
    const bounced = placeElements({ NumberOfElements: 1, Elements: [element(0x7000_0000, buffer.length)] }, buffer);
    assert.equal(bounced[0]!.mapping, 'remapped');
    // Right first page, wrong second: the element claims frames 100 and 101 are adjacent to 100 and 102.
    const wrongSecondPage = placeElements({ NumberOfElements: 1, Elements: [element(100 * PAGE_SIZE + 0x200, buffer.length)] }, buffer);
    assert.equal(wrongSecondPage[0]!.mapping, 'remapped');
    const tooLong = placeElements({ NumberOfElements: 1, Elements: [element(100 * PAGE_SIZE + 0x200, buffer.length + 1)] }, buffer);
    assert.equal(tooLong[0]!.mapping, 'beyond the buffer');
  });

  it('refuses a list whose element count disagrees with its elements', () => {
    assert.throws(() => placeElements({ NumberOfElements: 3, Elements: [element(0, 1)] }, buffer), /NumberOfElements = 3 but holds 1 element/);
  });

  it('draws the buffer\'s pages and one bar per element, well-formed', () => {
    const list = {
      NumberOfElements: 3,
      Elements: [element(100 * PAGE_SIZE + 0x200, 2 * PAGE_SIZE - 0x200), element(0x7000_0000, 0x200), element(7 * PAGE_SIZE + 0x200, 0x100)],
    };
    const svg = scatterGatherPicture(list, buffer, { caption: 'a read' });
    assertWellFormedSvg(svg);
    assert.equal(svg.split('data-page=').length - 1, 3);
    assert.equal(svg.split('data-element=').length - 1, 3);
    assert.equal(svg.split('data-mapping="direct"').length - 1, 2);
    assert.equal(svg.split('data-mapping="remapped"').length - 1, 1);
    assert.match(svg, /Scatter\/gather list over buffer &quot;A &lt;1&gt;&quot;: a read/);
    assert.match(svg, /3 element\(s\) carrying 8448 bytes from byte 0 of a 8448 bytes buffer/);
    assert.match(svg, /page 2: bytes 7680-8447, frame 7 at 0x000000007000/);
  });

  it('shows the bytes a list claims past the end of the buffer', () => {
    const svg = scatterGatherPicture({ NumberOfElements: 1, Elements: [element(0x1000, buffer.length + PAGE_SIZE)] }, buffer);
    assertWellFormedSvg(svg);
    assert.match(svg, /data-mapping="beyond the buffer"/);
    assert.match(svg, /past the end of the buffer/);
  });
});
