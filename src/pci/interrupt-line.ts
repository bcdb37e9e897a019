/**
 * A level-triggered interrupt line (PCI INTx) from one device to the CPU.
 *
 * The device drives the level. When the line goes from deasserted to
 * asserted, delivery is scheduled after the interrupt latency of the cost
 * table; delivery runs the connected service routines at DEVICE_LEVEL, in
 * connection order, until one claims the interrupt (returns true). If the line
 * is still asserted when they return, it is delivered again after another
 * latency: a level-triggered interrupt keeps firing until the driver silences
 * the device. An ISR that never silences it makes an interrupt storm, which
 * stops the machine with bug check 0xF2 (HARDWARE_INTERRUPT_STORM) after
 * STORM_LIMIT deliveries in a row.
 */
import { BugCheck } from '../machine/bug-check';
import { Clock } from '../machine/clock';
import { COST } from '../machine/cost-model';
import { Cpu } from '../machine/cpu';
import { DEVICE_LEVEL } from '../machine/irql';

export type InterruptServiceRoutine = () => boolean;

/** Assumption: no real driver lets its line stay asserted through this many ISR runs. */
export const STORM_LIMIT = 1000;
export const HARDWARE_INTERRUPT_STORM = 0xf2;

export class InterruptLine {
  private level = false;
  private routines: InterruptServiceRoutine[] = [];
  private pendingDelivery: number | null = null;
  private inARow = 0;
  /** Deliveries that ran at least one ISR. */
  deliveries = 0;
  /** Deliveries no ISR claimed, or that found the line already deasserted. */
  unclaimed = 0;
  /** Times the line was asserted with no ISR connected; delivery waits for a connection. */
  assertedWithoutHandler = 0;

  constructor(
    private readonly clock: Clock,
    private readonly cpu: Cpu,
    /** The interrupt vector (the number written into the Interrupt Line register). */
    readonly vector: number,
    readonly name: string,
  ) {}

  get asserted(): boolean {
    return this.level;
  }

  get connected(): boolean {
    return this.routines.length > 0;
  }

  /** IoConnectInterrupt's job: add an ISR. Returns the function that disconnects it. */
  connect(isr: InterruptServiceRoutine): () => void {
    this.routines.push(isr);
    if (this.level) this.scheduleDelivery();
    return () => {
      const i = this.routines.indexOf(isr);
      if (i < 0) throw new Error(`interrupt ${this.name}: disconnecting an ISR that is not connected`);
      this.routines.splice(i, 1);
      if (this.routines.length === 0 && this.pendingDelivery !== null) {
        this.clock.cancel(this.pendingDelivery);
        this.pendingDelivery = null;
      }
    };
  }

  /** The device drives the line. */
  setLevel(asserted: boolean): void {
    if (asserted === this.level) return;
    this.level = asserted;
    if (!asserted) {
      this.inARow = 0;
      return;
    }
    if (this.routines.length === 0) {
      this.assertedWithoutHandler++;
      return;
    }
    this.scheduleDelivery();
  }

  private scheduleDelivery(): void {
    if (this.pendingDelivery !== null) return;
    this.pendingDelivery = this.clock.schedule(COST.interruptLatency.ns, `interrupt ${this.name}`, () => this.deliver());
  }

  private deliver(): void {
    this.pendingDelivery = null;
    if (!this.level || this.routines.length === 0) {
      this.unclaimed++; // the device dropped the line before the CPU took it
      return;
    }
    this.deliveries++;
    this.clock.charge(COST.isr.ns, `isr:${this.name}`);
    const claimed = this.cpu.atIrql(DEVICE_LEVEL, () => {
      for (const isr of [...this.routines]) if (isr()) return true;
      return false;
    });
    if (!claimed) this.unclaimed++;
    if (!this.level) return;
    if (++this.inARow >= STORM_LIMIT) {
      throw new BugCheck(HARDWARE_INTERRUPT_STORM, this.vector, 0, 0, 0,
        `interrupt ${this.name} stayed asserted through ${STORM_LIMIT} ISR runs: the ISR does not silence the device`);
    }
    this.scheduleDelivery();
  }
}
