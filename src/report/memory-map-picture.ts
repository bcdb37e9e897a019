/**
 * The physical memory map: every page frame of the machine, from the PFN
 * database, as a grid of cells. A machine with 8 GiB has over two million
 * frames, so each cell stands for a power-of-two run of frames (8 MiB on an
 * 8 GiB machine) and takes the colour of its most notable frame, in this
 * order: touched by DMA, locked, contiguous, non-paged, pageable, free, not
 * RAM. The colour is paler when few of the cell's frames are of that kind, so
 * one locked page among two thousand free ones is visible without looking
 * like a locked region. The frames of the scenario's named buffers and MDLs
 * are outlined, one colour per name.
 */
import { FrameFlag, FrameState } from '../kernel/mm/physical-memory';
import { PAGE_SIZE, formatBytes } from '../contracts/units';
import { element, svgDocument, text, title } from './svg-markup';

/** The part of the PFN database the picture reads (PhysicalMemory has it). */
export interface FrameDatabase {
  readonly frameLimit: number;
  readonly state: Uint8Array;
  readonly flags: Uint8Array;
  readonly lockCount: Uint16Array;
}

/** What a frame is, for the picture; listed from most to least notable. */
export const FRAME_KINDS = [
  { key: 'dma', label: 'touched by DMA', colour: '#D62728' },
  { key: 'locked', label: 'locked', colour: '#FF7F0E' },
  { key: 'contiguous', label: 'contiguous', colour: '#9467BD' },
  { key: 'nonPaged', label: 'non-paged', colour: '#1F77B4' },
  { key: 'pageable', label: 'pageable', colour: '#2CA02C' },
  { key: 'free', label: 'free', colour: '#E8ECEF' },
  { key: 'absent', label: 'not RAM (firmware, device hole)', colour: '#9AA0A6' },
] as const;
export type FrameKind = (typeof FRAME_KINDS)[number]['key'];
const KIND_INDEX: Readonly<Record<FrameKind, number>> = Object.fromEntries(FRAME_KINDS.map((k, i) => [k.key, i])) as Record<FrameKind, number>;

export function frameKind(db: FrameDatabase, pfn: number): FrameKind {
  return FRAME_KINDS[kindIndex(db, pfn)]!.key;
}

function kindIndex(db: FrameDatabase, pfn: number): number {
  const state = db.state[pfn]!;
  if (state === FrameState.Absent) return KIND_INDEX.absent;
  if (state === FrameState.Free) return KIND_INDEX.free;
  const flags = db.flags[pfn]!;
  if (flags & FrameFlag.DmaTouched) return KIND_INDEX.dma;
  if (db.lockCount[pfn]! > 0) return KIND_INDEX.locked;
  if (flags & FrameFlag.Contiguous) return KIND_INDEX.contiguous;
  if (state === FrameState.NonPaged) return KIND_INDEX.nonPaged;
  return KIND_INDEX.pageable;
}

/** One cell of the grid: its first frame and how many of its frames are of each kind. */
export interface MemoryMapCell {
  readonly firstFrame: number;
  readonly frameCount: number;
  /** Count per kind, indexed like FRAME_KINDS. */
  readonly counts: readonly number[];
  /** The most notable kind present. */
  readonly kind: FrameKind;
}

/** The smallest power of two of frames per cell that keeps the grid within `maxCells`. */
export function framesPerCell(frameLimit: number, maxCells: number): number {
  if (!(Number.isSafeInteger(maxCells) && maxCells > 0)) throw new RangeError(`maxCells must be a positive whole number, got ${maxCells}`);
  let perCell = 1;
  while (Math.ceil(frameLimit / perCell) > maxCells) perCell *= 2;
  return perCell;
}

export function memoryMapCells(db: FrameDatabase, perCell: number): MemoryMapCell[] {
  const cells: MemoryMapCell[] = [];
  for (let first = 0; first < db.frameLimit; first += perCell) {
    const end = Math.min(first + perCell, db.frameLimit);
    const counts = new Array<number>(FRAME_KINDS.length).fill(0);
    for (let pfn = first; pfn < end; pfn++) counts[kindIndex(db, pfn)]!++;
    const top = counts.findIndex((c) => c > 0);
    cells.push({ firstFrame: first, frameCount: end - first, counts, kind: FRAME_KINDS[top]!.key });
  }
  return cells;
}

/** A named buffer or MDL to outline: the frames of its pages (-1 for a page not resident). */
export interface MemoryMapHighlight {
  readonly label: string;
  readonly frames: readonly number[];
}

export interface MemoryMapOptions {
  readonly highlights?: readonly MemoryMapHighlight[];
  /** Shown above the grid, e.g. the scenario's name. */
  readonly caption?: string;
  /** Upper bound on the number of cells (default 2048). */
  readonly maxCells?: number;
  readonly columns?: number;
}

const HIGHLIGHT_COLOURS = ['#000000', '#E377C2', '#17BECF', '#BCBD22', '#8C564B', '#7F7F7F'];
const CELL = 12;
const LABEL_WIDTH = 96;
const MARGIN = 16;

function shortAddress(a: number): string {
  return '0x' + a.toString(16).toUpperCase().padStart(9, '0');
}

function describeCell(cell: MemoryMapCell): string {
  const start = cell.firstFrame * PAGE_SIZE;
  const end = (cell.firstFrame + cell.frameCount) * PAGE_SIZE - 1;
  const parts = FRAME_KINDS.map((k, i) => (cell.counts[i]! > 0 ? `${cell.counts[i]} ${k.label}` : '')).filter((p) => p !== '');
  return `${shortAddress(start)}-${shortAddress(end)} (frames ${cell.firstFrame}-${cell.firstFrame + cell.frameCount - 1}): ${parts.join(', ')}`;
}

export function memoryMapPicture(db: FrameDatabase, options: MemoryMapOptions = {}): string {
  const columns = options.columns ?? 64;
  if (!(Number.isSafeInteger(columns) && columns > 0)) throw new RangeError(`columns must be a positive whole number, got ${columns}`);
  const perCell = framesPerCell(db.frameLimit, options.maxCells ?? 2048);
  const cells = memoryMapCells(db, perCell);
  const rows = Math.ceil(cells.length / columns);
  const highlights = options.highlights ?? [];

  const parts: string[] = [];
  let y = MARGIN;
  const heading = options.caption ? `Physical memory: ${options.caption}` : 'Physical memory';
  parts.push(text(MARGIN, y + 12, heading, { 'font-size': 15, 'font-weight': 'bold' }));
  y += 22;
  const totals = FRAME_KINDS.map((_, i) => cells.reduce((sum, c) => sum + c.counts[i]!, 0));
  parts.push(text(MARGIN, y + 12, `${db.frameLimit} frames, ${formatBytes(perCell * PAGE_SIZE)} per cell, ${formatBytes(columns * perCell * PAGE_SIZE)} per row; a cell shows its most notable frame (hover for counts)`, { fill: '#444444' }));
  y += 24;

  // Legend: one swatch per kind, with the machine-wide count.
  FRAME_KINDS.forEach((k, i) => {
    const x = MARGIN + (i % 4) * 190;
    const ly = y + Math.floor(i / 4) * 18;
    parts.push(element('rect', { x, y: ly, width: CELL, height: CELL, fill: k.colour, stroke: '#666666', 'stroke-width': 0.5 }));
    parts.push(text(x + CELL + 5, ly + 10, `${k.label}: ${totals[i]}`));
  });
  y += Math.ceil(FRAME_KINDS.length / 4) * 18 + 8;

  const highlightCells = highlights.map((h, i) => {
    const colour = HIGHLIGHT_COLOURS[i % HIGHLIGHT_COLOURS.length]!;
    const resident = h.frames.filter((f) => f >= 0 && f < db.frameLimit);
    const cellSet = new Set(resident.map((f) => Math.floor(f / perCell)));
    const locked = resident.filter((f) => db.lockCount[f]! > 0).length;
    const missing = h.frames.length - resident.length;
    const words = `${h.label}: ${h.frames.length} page(s), ${resident.length} resident${missing ? `, ${missing} not resident` : ''}, ${locked} locked, in ${cellSet.size} cell(s)`;
    const x = MARGIN;
    const ly = y + i * 18;
    parts.push(element('rect', { x, y: ly, width: CELL, height: CELL, fill: 'none', stroke: colour, 'stroke-width': 2.5 }));
    parts.push(text(x + CELL + 5, ly + 10, words));
    return { colour, cellSet };
  });
  y += highlights.length * 18 + (highlights.length ? 8 : 0);

  // Two or more rows in a row with no RAM at all (the space up to 4 GiB on a
  // small machine) are drawn as one labelled band instead of a grey block.
  const gridTop = y;
  const rowTop: number[] = [];
  const rowIsAbsent = (r: number) => cells.slice(r * columns, (r + 1) * columns).every((c) => c.counts[KIND_INDEX.absent] === c.frameCount);
  let cursor = gridTop;
  for (let r = 0; r < rows; ) {
    let run = 0;
    while (r + run < rows && rowIsAbsent(r + run)) run++;
    if (run >= 2) {
      const from = r * columns * perCell * PAGE_SIZE;
      const to = Math.min((r + run) * columns * perCell, db.frameLimit) * PAGE_SIZE;
      parts.push(text(MARGIN, cursor + 10, shortAddress(from), { 'font-size': 10, 'font-family': 'monospace', fill: '#444444' }));
      parts.push(element('rect', { x: MARGIN + LABEL_WIDTH, y: cursor, width: columns * CELL - 1, height: CELL - 1, fill: FRAME_KINDS[KIND_INDEX.absent]!.colour, 'data-kind': 'absent' }, [title(`${shortAddress(from)}-${shortAddress(to - 1)}: not RAM`)]));
      parts.push(text(MARGIN + LABEL_WIDTH + 6, cursor + 9, `${formatBytes(to - from)} without RAM, up to ${shortAddress(to)}`, { 'font-size': 9, fill: '#FFFFFF' }));
      for (let i = 0; i < run; i++) rowTop[r + i] = -1;
      r += run;
      cursor += CELL + 2;
      continue;
    }
    rowTop[r] = cursor;
    parts.push(text(MARGIN, cursor + 10, shortAddress(r * columns * perCell * PAGE_SIZE), { 'font-size': 10, 'font-family': 'monospace', fill: '#444444' }));
    cursor += CELL;
    r++;
  }
  const cellTop = (index: number) => rowTop[Math.floor(index / columns)]!;
  // Neighbouring cells in a row that look the same are drawn as one rectangle
  // (free memory, the device hole), which keeps the picture small; a cell
  // that mixes kinds keeps its own rectangle and its counts as a tooltip.
  const look = (cell: MemoryMapCell) => {
    const kind = KIND_INDEX[cell.kind];
    const uniform = cell.counts[kind] === cell.frameCount;
    // Four shades are enough to tell "a few" from "most"; fewer shades merge more cells.
    const share = cell.counts[kind]! / cell.frameCount;
    const shade = uniform || cell.kind === 'free' || cell.kind === 'absent' ? 1 : [0.4, 0.6, 0.8, 1][Math.min(3, Math.floor(share * 4))]!;
    return { kind, uniform, shade };
  };
  for (let index = 0; index < cells.length; ) {
    if (cellTop(index) < 0) {
      index += columns; // a row drawn as part of a band without RAM
      continue;
    }
    const cell = cells[index]!;
    const { kind, uniform, shade } = look(cell);
    let run = 1;
    if (uniform) {
      while (index + run < cells.length && (index + run) % columns !== 0) {
        const next = cells[index + run]!;
        const l = look(next);
        if (!(l.uniform && l.kind === kind)) break;
        run++;
      }
    }
    const last = cells[index + run - 1]!;
    const words = uniform
      ? `${shortAddress(cell.firstFrame * PAGE_SIZE)}-${shortAddress((last.firstFrame + last.frameCount) * PAGE_SIZE - 1)}: all ${FRAME_KINDS[kind]!.label}`
      : describeCell(cell);
    parts.push(
      element(
        'rect',
        {
          x: MARGIN + LABEL_WIDTH + (index % columns) * CELL,
          y: cellTop(index),
          width: run * CELL - 1,
          height: CELL - 1,
          fill: FRAME_KINDS[kind]!.colour,
          ...(shade < 1 ? { 'fill-opacity': shade } : {}),
          'data-kind': cell.kind,
        },
        [title(words)],
      ),
    );
    index += run;
  }
  highlightCells.forEach(({ colour, cellSet }, i) => {
    // Later outlines are drawn slightly inside earlier ones so overlapping names stay visible.
    const inset = Math.min(i, 3) * 1.5;
    for (const index of [...cellSet].sort((a, b) => a - b)) {
      if (cellTop(index) < 0) continue;
      parts.push(
        element('rect', {
          x: MARGIN + LABEL_WIDTH + (index % columns) * CELL + inset - 0.5,
          y: cellTop(index) + inset - 0.5,
          width: CELL - 2 * inset,
          height: CELL - 2 * inset,
          fill: 'none',
          stroke: colour,
          'stroke-width': 1.5,
          'data-highlight': highlights[i]!.label,
        }),
      );
    }
  });
  const width = Math.max(MARGIN * 2 + LABEL_WIDTH + columns * CELL, 800);
  const height = cursor + MARGIN;
  return svgDocument(width, height, heading, [`<rect width="${width}" height="${height}" fill="#FFFFFF"/>`, ...parts]);
}
