/**
 * Low-resource fault injection, as Driver Verifier does it: fail the Nth call,
 * every call, a seeded fraction of calls (Low Resources Simulation), or the
 * first call from each call site (Systematic Low Resources Simulation).
 *
 * A point names the routine (ExAllocatePoolWithTag:NonPagedPool, IoAllocateMdl,
 * MmProbeAndLockPages, page-in ...); a rule may narrow itself to one call site,
 * which is whatever label the caller passes (a driver passes its own name and
 * a label of the call).
 */
import { Rng } from '../machine/rng';

export type FaultMode =
  | { kind: 'nth'; n: number }
  | { kind: 'every' }
  | { kind: 'fraction'; probability: number }
  | { kind: 'first-per-call-site' }
  | { kind: 'after'; n: number };

const FAULT_MODE_KINDS: readonly string[] = ['nth', 'every', 'fraction', 'first-per-call-site', 'after'] satisfies FaultMode['kind'][];

/**
 * Where in the buffer it maps a mapping call's transfer lies, for routines
 * that map part of an MDL (GetScatterGatherList, BuildScatterGatherList): a
 * request longer than the adapter's map registers is mapped piece by piece.
 */
export interface TransferPosition {
  /** The transfer starts past the MDL's first byte: a second or later piece. */
  readonly later: boolean;
  /** The transfer ends at the last byte the MDL (chain) describes. */
  readonly last: boolean;
}

/** Which pieces a rule counts: any later piece (the first of them is the second piece), or the last of several. */
export type PieceFilter = 'later' | 'last';

const PIECE_FILTERS: readonly string[] = ['later', 'last'] satisfies PieceFilter[];

export interface FaultRule {
  readonly point: string;
  readonly mode: FaultMode;
  readonly callSite?: string;
  /** Count only the calls that map such a piece (only routines that say where their transfer lies have pieces). */
  readonly piece?: PieceFilter;
}

function piecePasses(filter: PieceFilter | undefined, position: TransferPosition | undefined): boolean {
  if (filter === undefined) return true;
  if (!position?.later) return false; // the first piece, or a routine that maps no piece of a buffer
  return filter === 'later' || position.last;
}

/**
 * Sees every call at every point, after the rules have decided, and may fail
 * it too: the systematic sweep counts the driver's calls and fails the one it
 * is after through this. `failing` says whether a rule already fails the call;
 * `onBehalf`, that a kernel routine makes it for its own caller (see onBehalf).
 */
export type FaultObserver = (point: string, callSite: string, failing: boolean, onBehalf: boolean) => boolean;

interface LiveRule extends FaultRule {
  calls: number;
  seenSites: Set<string>;
}

export class FaultInjector {
  private rules: LiveRule[] = [];
  private observer: FaultObserver | null = null;
  private behalfDepth = 0;
  /** How many failures each point has injected, for the report. */
  readonly injected = new Map<string, number>();

  constructor(private readonly rng: Rng) {}

  add(rule: FaultRule): void {
    const m = rule.mode;
    // A rule that can never match or never fire would silently test nothing.
    if (typeof rule.point !== 'string' || rule.point === '' || rule.point === '*') throw new RangeError(`fault rule: point must name a routine (or a prefix ending in *), got "${String(rule.point)}"`);
    if (!m || !FAULT_MODE_KINDS.includes(m.kind)) throw new RangeError(`fault rule for ${rule.point}: unknown mode ${JSON.stringify(m)}; use one of ${FAULT_MODE_KINDS.join(', ')}`);
    if ((m.kind === 'nth' || m.kind === 'after') && !(Number.isInteger(m.n) && m.n >= 1)) {
      throw new RangeError(`fault rule for ${rule.point}: n must be a whole number >= 1, got ${m.n}`);
    }
    if (m.kind === 'fraction' && !(m.probability >= 0 && m.probability <= 1)) {
      throw new RangeError(`fault rule for ${rule.point}: probability must lie in [0, 1], got ${m.probability}`);
    }
    if (rule.piece !== undefined && !PIECE_FILTERS.includes(rule.piece)) throw new RangeError(`fault rule for ${rule.point}: unknown piece "${String(rule.piece)}"; use one of ${PIECE_FILTERS.join(', ')}`);
    this.rules.push({ ...rule, calls: 0, seenSites: new Set() });
  }

  /** Install (or remove, with null) the one observer; clear() leaves it in place. */
  observe(observer: FaultObserver | null): void {
    this.observer = observer;
  }

  /**
   * Run a kernel routine's own allocations for its caller (the pool
   * GetScatterGatherList takes for the list): rules fail them as the caller's,
   * and the observer is told, since failing them is failing the routine.
   */
  onBehalf<T>(allocate: () => T): T {
    this.behalfDepth++;
    try {
      return allocate();
    } finally {
      this.behalfDepth--;
    }
  }

  clear(point?: string): void {
    this.rules = point === undefined ? [] : this.rules.filter((r) => r.point !== point);
  }

  /** True when this call must fail. Every matching rule sees the call; `position`, where the call's transfer lies in its buffer. */
  shouldFail(point: string, callSite = '', position?: TransferPosition): boolean {
    let fail = false;
    for (const r of this.rules) {
      if (r.point !== point && !(r.point.endsWith('*') && point.startsWith(r.point.slice(0, -1)))) continue;
      if (r.callSite !== undefined && r.callSite !== callSite) continue;
      if (!piecePasses(r.piece, position)) continue;
      r.calls++;
      switch (r.mode.kind) {
        case 'nth': if (r.calls === r.mode.n) fail = true; break;
        case 'after': if (r.calls >= r.mode.n) fail = true; break;
        case 'every': fail = true; break;
        case 'fraction': if (this.rng.next() < r.mode.probability) fail = true; break;
        case 'first-per-call-site':
          if (!r.seenSites.has(callSite)) { r.seenSites.add(callSite); fail = true; }
          break;
      }
    }
    if (this.observer?.(point, callSite, fail, this.behalfDepth > 0)) fail = true;
    if (fail) this.injected.set(point, (this.injected.get(point) ?? 0) + 1);
    return fail;
  }
}
