/**
 * The simulated clock: a discrete-event queue in nanoseconds. Device progress,
 * interrupts, DPCs and memory pressure are events; CPU work advances time by
 * its cost. No real timers exist anywhere in the simulator, so a run depends on
 * its seed alone.
 */
export interface ScheduledEvent {
  readonly id: number;
  readonly at: number;
  readonly label: string;
  readonly run: () => void;
}

/** A place in the event order taken now for an event that may run in place instead of being queued (Clock.reserve). */
export interface ReservedEvent {
  readonly id: number;
  readonly at: number;
}

/** The loop running events now (runUntil, advance, runUntilIdle): when it stops, and how many events it ran. */
interface EventLoop {
  /** True when the loop, once the event running now ends, would stop (or fail) before running one due at `at`. */
  stopsBefore(at: number): boolean;
  events: number;
}

export class SimulationStalled extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulationStalled';
  }
}

export class Clock {
  private nowNs = 0;
  private seq = 0;
  /** Binary min-heap ordered by (at, id). */
  private heap: ScheduledEvent[] = [];
  private cancelled = new Set<number>();
  /**
   * CPU time charged per account, in the order the accounts were first charged. A record per account
   * (not a Map of numbers to set again): time is charged for every page a fault, a copy or a trim
   * touches, and the charge then costs one lookup.
   */
  private readonly accounts = new Map<string, { ns: number }>();
  /** The innermost loop running events, or null when events run one by one (step) or not at all. */
  private loop: EventLoop | null = null;

  /** CPU time charged per account (kernel routine, driver, ISR ...), for the cost-model rules. */
  get cpuNs(): ReadonlyMap<string, number> {
    return new Map([...this.accounts].map(([account, { ns }]) => [account, ns]));
  }

  get now(): number {
    return this.nowNs;
  }

  get pending(): number {
    return this.heap.length - this.cancelled.size;
  }

  schedule(delayNs: number, label: string, run: () => void): number {
    if (!(delayNs >= 0) || !Number.isFinite(delayNs)) throw new RangeError(`event "${label}" scheduled with invalid delay ${delayNs}`);
    const ev: ScheduledEvent = { id: ++this.seq, at: this.nowNs + delayNs, label, run };
    this.push(ev);
    return ev.id;
  }

  /**
   * Take the place in the event order an event scheduled now, `delayNs`
   * ahead, would have. The event is then queued with scheduleReserved, or
   * run in place (runInPlace) by the handler that would have queued it.
   */
  reserve(delayNs: number, label: string): ReservedEvent {
    if (!(delayNs >= 0) || !Number.isFinite(delayNs)) throw new RangeError(`event "${label}" scheduled with invalid delay ${delayNs}`);
    return { id: ++this.seq, at: this.nowNs + delayNs };
  }

  scheduleReserved(reserved: ReservedEvent, label: string, run: () => void): number {
    this.push({ id: reserved.id, at: reserved.at, label, run });
    return reserved.id;
  }

  /**
   * Called by an event's handler for its own follow-up event: true when the
   * loop running events would run that event next anyway (no queued event
   * comes before it, and the loop would not stop first). Time then moves
   * to it, it counts as one of the loop's events, and the caller does its
   * work at once instead of queueing it: the same order and the same times,
   * without a queued event per step. False: queue it with scheduleReserved.
   */
  runInPlace(reserved: ReservedEvent): boolean {
    const loop = this.loop;
    if (!loop || loop.stopsBefore(reserved.at)) return false;
    // A cancelled event on top is compared like a live one: queueing is always exact, and the heap stays as it was.
    const top = this.peek();
    if (top && (top.at < reserved.at || (top.at === reserved.at && top.id < reserved.id))) return false;
    loop.events++;
    if (reserved.at > this.nowNs) this.nowNs = reserved.at;
    return true;
  }

  cancel(id: number): void {
    if (this.heap.some((e) => e.id === id)) this.cancelled.add(id);
  }

  /** Charge CPU work: time moves on by its cost, and the account remembers it. */
  charge(ns: number, account: string): void {
    if (ns <= 0) return;
    this.nowNs += ns;
    const charged = this.accounts.get(account);
    if (charged) charged.ns += ns;
    else this.accounts.set(account, { ns });
  }

  /**
   * `times` rounds of charging each of `charges` in turn: the same time and accounts, to the last bit, as
   * that many calls of charge, with one account lookup per charge instead of one per call.
   */
  chargeRepeated(charges: readonly (readonly [ns: number, account: string])[], times: number): void {
    const due = charges.filter(([ns]) => ns > 0);
    if (times < 1 || due.length === 0) return;
    const records: { ns: number }[] = [];
    // Each charge's account, as an index into `records` (two charges may share one); sums kept in plain numbers meanwhile.
    const into = due.map(([, account]) => {
      let record = this.accounts.get(account);
      if (!record) this.accounts.set(account, (record = { ns: 0 }));
      if (!records.includes(record)) records.push(record);
      return records.indexOf(record);
    });
    const costs = due.map(([ns]) => ns);
    const sums = records.map((r) => r.ns);
    let now = this.nowNs;
    for (let round = 0; round < times; round++) {
      for (let i = 0; i < costs.length; i++) {
        now += costs[i]!;
        sums[into[i]!]! += costs[i]!;
      }
    }
    this.nowNs = now;
    records.forEach((r, i) => (r.ns = sums[i]!));
  }

  cpuTime(prefix = ''): number {
    let t = 0;
    for (const [k, { ns }] of this.accounts) if (k.startsWith(prefix)) t += ns;
    return t;
  }

  /** Run the next event, if any. Returns false when nothing is queued. */
  step(): boolean {
    for (;;) {
      const ev = this.pop();
      if (!ev) return false;
      if (this.cancelled.delete(ev.id)) continue;
      if (ev.at > this.nowNs) this.nowNs = ev.at;
      ev.run();
      return true;
    }
  }

  /**
   * Run events until `done()` holds or the queue empties. A budget of events
   * and of simulated time turns a hung driver or device into a clear error
   * instead of an endless loop.
   */
  runUntil(done: () => boolean, what: string, maxEvents = 5_000_000, maxSimNs = 3_600e9): void {
    const deadline = this.nowNs + maxSimNs;
    this.inLoop((_at, loop) => loop.events + 1 > maxEvents || this.nowNs > deadline || done(), (loop) => {
      while (!done()) {
        if (!this.step()) {
          if (done()) return;
          throw new SimulationStalled(`${what}: nothing left to happen in the machine (no event queued) and it never finished`);
        }
        if (++loop.events > maxEvents) throw new SimulationStalled(`${what}: still not finished after ${maxEvents} events; the driver or device appears to hang`);
        if (this.nowNs > deadline) throw new SimulationStalled(`${what}: still not finished after ${maxSimNs / 1e9} s of simulated time; the driver or device appears to hang`);
      }
    });
  }

  /** Run every queued event (and the ones they queue) up to a budget. */
  runUntilIdle(maxEvents = 5_000_000): void {
    this.inLoop((_at, loop) => loop.events + 1 > maxEvents, (loop) => {
      while (this.step()) {
        if (++loop.events > maxEvents) throw new SimulationStalled(`machine did not go idle after ${maxEvents} events; something re-arms itself forever`);
      }
    });
  }

  /** Let `ns` of simulated time pass, running whatever falls due. */
  advance(ns: number): void {
    const until = this.nowNs + ns;
    this.inLoop((at) => at > until, () => {
      while (this.heap.length > 0 && this.peek()!.at <= until) this.step();
    });
    if (this.nowNs < until) this.nowNs = until;
  }

  /** Run `body` as the innermost event loop, whose stop rule runInPlace consults. */
  private inLoop(stopsBefore: (at: number, loop: EventLoop) => boolean, body: (loop: EventLoop) => void): void {
    const outer = this.loop;
    const loop: EventLoop = { stopsBefore: (at) => stopsBefore(at, loop), events: 0 };
    this.loop = loop;
    try {
      body(loop);
    } finally {
      this.loop = outer;
    }
  }

  private peek(): ScheduledEvent | undefined {
    return this.heap[0];
  }

  private less(a: ScheduledEvent, b: ScheduledEvent): boolean {
    return a.at < b.at || (a.at === b.at && a.id < b.id);
  }

  private push(ev: ScheduledEvent): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): ScheduledEvent | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
