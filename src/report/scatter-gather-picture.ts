/**
 * A scatter/gather list drawn against the buffer it describes. The top row is
 * the buffer, page by page, with the frame each page is in; below it each
 * element of the list is a bar over the bytes of the buffer it carries (the
 * elements are in transfer order, so element k starts where element k-1
 * ended). An element whose device address is the buffer's own physical
 * address is "direct"; one that points elsewhere went through a map register
 * (a bounce buffer) or an IOMMU. Bytes a list claims past the end of the
 * buffer are drawn in red.
 */
import type { SCATTER_GATHER_LIST } from '../kernel/hal/scatter-gather-list';
import { PAGE_SIZE, formatAddress, formatBytes } from '../contracts/units';
import { element, svgDocument, text, title } from './svg-markup';

/** The buffer a list describes: where it starts and the frame of each of its pages (-1: not resident). */
export interface DescribedBuffer {
  readonly name: string;
  readonly va: number;
  readonly length: number;
  readonly frames: readonly number[];
}

export interface ScatterGatherPictureOptions {
  readonly caption?: string;
  /** The transfer starts this many bytes into the buffer (default 0). */
  readonly offset?: number;
}

export type ElementMapping = 'direct' | 'remapped' | 'beyond the buffer';

export interface PlacedElement {
  readonly index: number;
  readonly address: number;
  readonly length: number;
  /** Byte offset in the buffer where the element's data starts. */
  readonly bufferOffset: number;
  readonly mapping: ElementMapping;
}

/** The physical address of byte `offset` of the buffer, or -1 when its page is not resident. */
function physicalAddressAt(buffer: DescribedBuffer, offset: number): number {
  const firstPageStart = Math.floor(buffer.va / PAGE_SIZE) * PAGE_SIZE;
  const at = buffer.va + offset;
  const page = Math.floor((at - firstPageStart) / PAGE_SIZE);
  const frame = buffer.frames[page] ?? -1;
  return frame < 0 ? -1 : frame * PAGE_SIZE + (at % PAGE_SIZE);
}

/** Where each element lies in the buffer, and whether it addresses the buffer's own frames. */
export function placeElements(list: SCATTER_GATHER_LIST, buffer: DescribedBuffer, offset = 0): PlacedElement[] {
  if (list.Elements.length !== list.NumberOfElements) {
    throw new RangeError(`the list says NumberOfElements = ${list.NumberOfElements} but holds ${list.Elements.length} element(s)`);
  }
  const placed: PlacedElement[] = [];
  let at = offset;
  list.Elements.forEach((e, index) => {
    let mapping: ElementMapping = 'direct';
    if (at + e.Length > buffer.length) mapping = 'beyond the buffer';
    else {
      // Check the element's address at every page boundary it crosses within the buffer.
      for (let piece = at; piece < at + e.Length; piece = Math.floor((buffer.va + piece) / PAGE_SIZE + 1) * PAGE_SIZE - buffer.va) {
        if (e.Address + (piece - at) !== physicalAddressAt(buffer, piece)) {
          mapping = 'remapped';
          break;
        }
      }
    }
    placed.push({ index, address: e.Address, length: e.Length, bufferOffset: at, mapping });
    at += e.Length;
  });
  return placed;
}

const MAPPING_COLOURS: Readonly<Record<ElementMapping, string>> = {
  direct: '#2CA02C',
  remapped: '#FF7F0E',
  'beyond the buffer': '#D62728',
};

const WIDTH = 960;
const MARGIN = 16;
const LEFT = 110;
const PLOT = WIDTH - LEFT - MARGIN;
const ROW = 34;
/** Elements are drawn in this many lanes so that neighbours' labels do not overlap. */
const LANES = 2;

export function scatterGatherPicture(list: SCATTER_GATHER_LIST, buffer: DescribedBuffer, options: ScatterGatherPictureOptions = {}): string {
  if (!(Number.isSafeInteger(buffer.length) && buffer.length > 0)) throw new RangeError(`buffer "${buffer.name}" must have a positive length, got ${buffer.length}`);
  const offset = options.offset ?? 0;
  const placed = placeElements(list, buffer, offset);
  const total = list.Elements.reduce((sum, e) => sum + e.Length, 0);
  const span = Math.max(buffer.length, offset + total);
  const x = (byte: number) => LEFT + (byte / span) * PLOT;

  const parts: string[] = [];
  let y = MARGIN;
  const heading = `Scatter/gather list over buffer "${buffer.name}"${options.caption ? `: ${options.caption}` : ''}`;
  parts.push(text(MARGIN, y + 12, heading, { 'font-size': 15, 'font-weight': 'bold' }));
  y += 22;
  const counts = (m: ElementMapping) => placed.filter((p) => p.mapping === m).length;
  parts.push(
    text(
      MARGIN,
      y + 12,
      `${list.NumberOfElements} element(s) carrying ${formatBytes(total)} from byte ${offset} of a ${formatBytes(buffer.length)} buffer at ${formatAddress(buffer.va)}; ` +
        `${counts('direct')} direct, ${counts('remapped')} remapped${counts('beyond the buffer') ? `, ${counts('beyond the buffer')} beyond the buffer` : ''}`,
      { fill: '#444444' },
    ),
  );
  y += 24;
  (Object.keys(MAPPING_COLOURS) as ElementMapping[]).forEach((m, i) => {
    const lx = MARGIN + i * 320;
    parts.push(element('rect', { x: lx, y, width: 12, height: 12, fill: MAPPING_COLOURS[m] }));
    const words = m === 'direct' ? "direct: the buffer's own frame" : m === 'remapped' ? 'remapped: map register (bounce) or IOMMU' : 'beyond the end of the buffer';
    parts.push(text(lx + 17, y + 10, words));
  });
  y += 26;

  // The buffer, page by page.
  const pageRow = y;
  parts.push(text(MARGIN, pageRow + 21, `buffer "${buffer.name}"`, { 'font-weight': 'bold' }));
  const firstPageStart = Math.floor(buffer.va / PAGE_SIZE) * PAGE_SIZE;
  const labelPages = buffer.frames.length <= 32;
  buffer.frames.forEach((frame, page) => {
    const start = Math.max(0, firstPageStart + page * PAGE_SIZE - buffer.va);
    const end = Math.min(buffer.length, firstPageStart + (page + 1) * PAGE_SIZE - buffer.va);
    const words = frame >= 0 ? `page ${page}: bytes ${start}-${end - 1}, frame ${frame} at ${formatAddress(frame * PAGE_SIZE)}` : `page ${page}: bytes ${start}-${end - 1}, not resident`;
    const w = Math.max(x(end) - x(start), 0.5);
    parts.push(
      element('rect', { x: x(start), y: pageRow, width: w, height: ROW - 4, fill: frame >= 0 ? '#DCE9F7' : '#F4F4F4', stroke: '#5A7FA8', 'stroke-width': 0.75, 'data-page': page }, [title(words)]),
    );
    if (labelPages && w > 44) {
      parts.push(text(x(start) + 3, pageRow + 12, `page ${page}`, { 'font-size': 10 }));
      parts.push(text(x(start) + 3, pageRow + 25, frame >= 0 ? `frame ${frame}` : 'not resident', { 'font-size': 10, fill: '#444444' }));
    }
  });
  if (offset + total > buffer.length) {
    parts.push(element('rect', { x: x(buffer.length), y: pageRow, width: x(offset + total) - x(buffer.length), height: ROW - 4, fill: '#FDE0E0', stroke: '#D62728', 'stroke-dasharray': '4 2' }, [title('past the end of the buffer')]));
  }
  y += ROW + 6;

  // The elements, in lanes.
  const elementsTop = y;
  parts.push(text(MARGIN, elementsTop + 21, 'elements', { 'font-weight': 'bold' }));
  const labelElements = placed.length <= 64;
  for (const p of placed) {
    const lane = p.index % LANES;
    const top = elementsTop + lane * ROW;
    const w = Math.max(x(p.bufferOffset + p.length) - x(p.bufferOffset), 1);
    const words = `element ${p.index}: address ${formatAddress(p.address)}, length ${p.length} (${formatBytes(p.length)}), buffer bytes ${p.bufferOffset}-${p.bufferOffset + p.length - 1}, ${p.mapping}`;
    parts.push(
      element('rect', { x: x(p.bufferOffset), y: top, width: w, height: ROW - 4, rx: 3, fill: MAPPING_COLOURS[p.mapping], 'fill-opacity': 0.85, stroke: '#333333', 'stroke-width': 0.75, 'data-element': p.index, 'data-mapping': p.mapping }, [title(words)]),
    );
    // Label what fits: the address takes about 110 pixels, the index alone about 24.
    if (labelElements && w > 115) {
      parts.push(text(x(p.bufferOffset) + 4, top + 12, `#${p.index} ${formatAddress(p.address)}`, { 'font-size': 10, fill: '#FFFFFF' }));
      parts.push(text(x(p.bufferOffset) + 4, top + 25, formatBytes(p.length), { 'font-size': 10, fill: '#FFFFFF' }));
    } else if (labelElements && w > 24) {
      parts.push(text(x(p.bufferOffset) + 4, top + 12, `#${p.index}`, { 'font-size': 10, fill: '#FFFFFF' }));
    }
  }
  y = elementsTop + LANES * ROW + 4;
  // Byte scale under the elements.
  for (const byte of [0, Math.floor(span / 2), span]) {
    parts.push(element('line', { x1: x(byte), y1: y, x2: x(byte), y2: y + 5, stroke: '#444444' }));
    parts.push(text(x(byte), y + 17, `byte ${byte}`, { 'font-size': 10, 'text-anchor': byte === 0 ? 'start' : byte === span ? 'end' : 'middle', fill: '#444444' }));
  }
  const height = y + 22 + MARGIN;
  return svgDocument(WIDTH, height, heading, [`<rect width="${WIDTH}" height="${height}" fill="#FFFFFF"/>`, ...parts]);
}
