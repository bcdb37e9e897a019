/**
 * The stop screen of a bug check, as a picture for the report: blue, like the
 * Windows one, with the stop name, the code and its four parameters, and why
 * the simulated machine stopped. `bugCheckScreenText` is the same screen as
 * plain text, for logs.
 */
import { BugCheck } from '../machine/bug-check';
import { MONOSPACE, svgDocument, text } from './svg-markup';
import { wrapText } from './text-wrap';

const WIDTH = 760;
const MARGIN = 32;
const REASON_COLUMNS = 86;
const BLUE = '#0A3FA8';

function hexWord(n: number, digits: number): string {
  return '0x' + n.toString(16).toUpperCase().padStart(digits, '0');
}

/** "*** STOP: 0x0000004E (0x..99, 0x..1234, 0x0, 0x0)": the line Windows prints. */
export function stopLine(stop: BugCheck): string {
  return `*** STOP: ${hexWord(stop.code, 8)} (${stop.parameters.map((p) => hexWord(p, 16)).join(', ')})`;
}

export function bugCheckScreenText(stop: BugCheck): string {
  return [
    'The simulated machine has stopped to prevent damage.',
    '',
    stop.stopName,
    '',
    'Technical information:',
    '',
    stopLine(stop),
    '',
    `Reason: ${stop.reason}`,
    '',
  ].join('\n');
}

export function bugCheckPicture(stop: BugCheck): string {
  const parts: string[] = [];
  let y = MARGIN + 36;
  parts.push(text(MARGIN, y, ':(', { 'font-size': 44, fill: '#FFFFFF' }));
  y += 34;
  parts.push(text(MARGIN, y, 'The simulated machine has stopped to prevent damage.', { 'font-size': 17, fill: '#FFFFFF' }));
  y += 38;
  parts.push(text(MARGIN, y, stop.stopName, { 'font-size': 24, 'font-weight': 'bold', fill: '#FFFFFF' }));
  y += 28;
  parts.push(text(MARGIN, y, `Stop code ${hexWord(stop.code, 2)}`, { 'font-size': 15, fill: '#DDE6FF' }));
  y += 30;
  stop.parameters.forEach((p, i) => {
    parts.push(text(MARGIN, y, `Parameter ${i + 1}`, { 'font-size': 14, fill: '#DDE6FF' }));
    parts.push(text(MARGIN + 120, y, hexWord(p, 16), { 'font-size': 14, fill: '#FFFFFF', 'font-family': MONOSPACE }));
    y += 20;
  });
  y += 14;
  parts.push(text(MARGIN, y, 'Reason', { 'font-size': 14, 'font-weight': 'bold', fill: '#FFFFFF' }));
  y += 20;
  for (const line of wrapText(stop.reason, REASON_COLUMNS)) {
    parts.push(text(MARGIN, y, line, { 'font-size': 13, fill: '#FFFFFF' }));
    y += 18;
  }
  y += 14;
  parts.push(text(MARGIN, y, stopLine(stop), { 'font-size': 10.5, fill: '#DDE6FF', 'font-family': MONOSPACE }));
  const height = y + MARGIN;
  return svgDocument(WIDTH, height, `Bug check ${hexWord(stop.code, 2)} ${stop.stopName}`, [
    `<rect width="${WIDTH}" height="${height}" fill="${BLUE}"/>`,
    ...parts,
  ]);
}
