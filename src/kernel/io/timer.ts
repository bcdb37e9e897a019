/**
 * Kernel timers: a KTIMER expires at a due time (optionally periodically),
 * becomes signalled and queues its DPC. A polling driver (DEV-3) checks its
 * device from a timer DPC. Due times use the documented units: 100 ns,
 * negative for a time relative to now, positive for an absolute time since boot.
 */
import { Clock } from '../../machine/clock';
import { DpcQueue, KDPC } from './dpc';

export class KTIMER {
  signaled = false;
  Dpc: KDPC | null = null;
  /** Period in milliseconds; 0 for a one-shot timer. */
  Period = 0;
  dueAtNs: number | null = null;
  event: number | null = null;
}

export class TimerQueue {
  constructor(private readonly clock: Clock, private readonly dpcs: DpcQueue) {}

  KeInitializeTimer(Timer: KTIMER): void {
    this.KeCancelTimer(Timer);
    Timer.signaled = false;
    Timer.Dpc = null;
    Timer.Period = 0;
  }

  /** KeSetTimer: true when the timer was already set (the old due time is replaced). */
  KeSetTimer(Timer: KTIMER, DueTime: number, Dpc: KDPC | null = null): boolean {
    return this.KeSetTimerEx(Timer, DueTime, 0, Dpc);
  }

  KeSetTimerEx(Timer: KTIMER, DueTime: number, Period: number, Dpc: KDPC | null = null): boolean {
    if (!Number.isFinite(DueTime)) throw new RangeError(`KeSetTimer: due time ${DueTime} is not a number of 100-ns units`);
    if (!(Number.isFinite(Period) && Period >= 0)) throw new RangeError(`KeSetTimerEx: period ${Period} ms is not a non-negative number`);
    const wasSet = this.KeCancelTimer(Timer);
    Timer.signaled = false;
    Timer.Dpc = Dpc;
    Timer.Period = Period;
    const dueNs = DueTime < 0 ? this.clock.now - DueTime * 100 : Math.max(this.clock.now, DueTime * 100);
    this.arm(Timer, dueNs);
    return wasSet;
  }

  /** KeCancelTimer: true when the timer was set. */
  KeCancelTimer(Timer: KTIMER): boolean {
    if (Timer.event === null) return false;
    this.clock.cancel(Timer.event);
    Timer.event = null;
    Timer.dueAtNs = null;
    return true;
  }

  KeReadStateTimer(Timer: KTIMER): boolean {
    return Timer.signaled;
  }

  private arm(Timer: KTIMER, dueNs: number): void {
    Timer.dueAtNs = dueNs;
    Timer.event = this.clock.schedule(dueNs - this.clock.now, 'timer', () => {
      Timer.event = null;
      Timer.dueAtNs = null;
      Timer.signaled = true;
      if (Timer.Dpc) this.dpcs.KeInsertQueueDpc(Timer.Dpc, null, null);
      if (Timer.Period > 0) this.arm(Timer, this.clock.now + Timer.Period * 1e6);
    });
  }
}
