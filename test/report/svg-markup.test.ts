import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { element, escapeXml, num, svgDocument, text } from '../../src/report/svg-markup';
import { wrapText } from '../../src/report/text-wrap';
import { assertWellFormedSvg } from './well-formed-xml';

describe('SVG markup', () => {
  it('escapes the five XML special characters in text and attributes', () => {
    assert.equal(escapeXml(`<a href="x">Tom & Jerry's</a>`), '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;');
    const svg = svgDocument(10, 10, 'a <label> & "quotes"', [text(1, 2, 'x < y & z'), element('rect', { 'data-name': 'buffer "A"', width: 1.23456 })]);
    assertWellFormedSvg(svg);
    assert.match(svg, /width="1\.23"/);
  });

  it('refuses a coordinate that is not a finite number', () => {
    assert.throws(() => num(NaN), /finite number, got NaN/);
    assert.throws(() => num(Infinity), RangeError);
  });

  it('has a well-formedness check that catches what browsers refuse', () => {
    const bad: [string, RegExp][] = [
      ['<svg xmlns="http://www.w3.org/2000/svg"><text>a & b</text></svg>', /stray "&"/],
      ['<svg xmlns="http://www.w3.org/2000/svg"><g></svg>', /closes <g>/],
      ['<svg xmlns="http://www.w3.org/2000/svg"><rect x=1/></svg>', /malformed attributes/],
      ['<svg xmlns="http://www.w3.org/2000/svg"><rect x="1" x="2"/></svg>', /given twice/],
      ['<svg xmlns="http://www.w3.org/2000/svg"><text>"a" < "b"</text></svg>', /malformed tag|raw "<"/],
      ['<svg xmlns="http://www.w3.org/2000/svg"></svg><svg xmlns="http://www.w3.org/2000/svg"></svg>', /one root element/],
      ['<svg><rect/></svg>', /namespace/],
    ];
    for (const [markup, why] of bad) assert.throws(() => assertWellFormedSvg(markup), why, markup);
  });
});

describe('wrapping text for pictures', () => {
  it('breaks at spaces within the width and cuts words longer than a line', () => {
    assert.deepEqual(wrapText('the quick brown fox jumps', 10), ['the quick', 'brown fox', 'jumps']);
    assert.deepEqual(wrapText('abcdefghijkl xy', 5), ['abcde', 'fghij', 'kl xy']);
    assert.deepEqual(wrapText('one\ntwo', 20), ['one', 'two']);
    for (const line of wrapText('x'.repeat(95) + ' ' + 'word '.repeat(40), 30)) assert.ok(line.length <= 30, line);
    assert.throws(() => wrapText('x', 0), /positive whole number/);
  });
});
