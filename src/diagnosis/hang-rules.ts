/**
 * A driver that hung (the machine waited for something that never came):
 * what it was waiting for, read off the machine at the moment of the hang.
 *
 * - a spin lock held by someone who can never release it: a lock never
 *   undone (PAGE-5);
 * - the device still busy (or gone) and nothing left to happen, no timer, no
 *   DPC, no device event: the device never interrupted and the driver set no
 *   timeout to find out (DEV-3);
 * - the device idle with requests of the driver outstanding after
 *   allocations failed: nothing is in flight, so requests in a cancelable
 *   queue sit there because nobody restarted them when the reserve or the
 *   adapter came back (SG-5), and requests in no queue were dropped (PAGE-5
 *   first, also when others wait in a queue behind them); with
 *   lists still out besides, a reserve never handed back (SG-5, or a list
 *   never put back, SG-3); with no allocation failed, nothing was awaited: a
 *   request left pending (PAGE-5, or SG-5).
 */
import { Diagnosis, ambiguous, certain } from './diagnosis';
import type { Evidence } from './evidence';

export interface HangObservation {
  /** What the machine waited for ("completing request #4 ...", "acquiring SpinLock ..."). */
  readonly what: string;
  readonly message: string;
}

export function diagnoseHang(hang: HangObservation, evidence: Evidence): Diagnosis {
  if (/^acquiring /.test(hang.what) || /deadlock/.test(hang.message)) return certain('PAGE-5', 'a lock was never released');
  const held = evidence.adapters.reduce((n, a) => n + a.listsOutstanding + a.channelsHeld, 0);
  const { device } = evidence;
  if (device.status === 'busy' || device.removed) {
    const state = device.removed ? 'the device is gone' : 'the device is still busy with a transfer that makes no progress';
    if (evidence.eventsPending === 0) return certain('DEV-3', `${state}, it never interrupted, and the driver set no timer to find out: nothing was left to happen`);
    return ambiguous(['DEV-3', 'PAGE-5'], `${state} and never interrupted; the driver's pending timers or DPCs never ended the request`);
  }
  if (evidence.requestsOutstanding > 0) {
    if (held === 0) {
      const failed = evidence.allocationFailuresInjected + evidence.adapters.reduce((n, a) => n + a.failedCalls.length, 0);
      if (failed > 0 && evidence.requestsQueued === evidence.requestsOutstanding) {
        return certain('SG-5', `the device is idle and the driver holds no list or channel, yet ${evidence.requestsOutstanding} request(s) are outstanding after ${failed} allocation(s) failed: requests queued for resources were never restarted when the resources came back`);
      }
      if (failed > 0 && evidence.requestsQueued > 0) {
        // The requests in a queue wait behind the one in none, which nothing will ever end: that one was dropped.
        const dropped = evidence.requestsOutstanding - evidence.requestsQueued;
        return ambiguous(['PAGE-5', 'SG-5'], `the device is idle and the driver holds no list or channel; after ${failed} allocation(s) failed, ${dropped} outstanding request(s) sit in no cancelable queue while ${evidence.requestsQueued} wait in one: the driver dropped a request when an allocation failed (the others wait behind it), or never restarted those it queued`);
      }
      if (failed > 0) {
        return ambiguous(['PAGE-5', 'SG-5'], `the device is idle and the driver holds no list or channel; ${evidence.requestsOutstanding} request(s) are outstanding after ${failed} allocation(s) failed, but none sits in a cancelable queue: the driver dropped them when the allocation failed instead of completing them or queuing them for later`);
      }
      return ambiguous(['PAGE-5', 'SG-5'], `the device is idle and the driver holds no list or channel, yet ${evidence.requestsOutstanding} request(s) are outstanding, and no allocation failed, so none waited for resources: a request was left pending`);
    }
    return ambiguous(['SG-5', 'SG-3'], `the device is idle while the driver still holds ${held} list(s) or channel(s) and ${evidence.requestsOutstanding} request(s) wait: a reserve or list was never handed back`);
  }
  return ambiguous(['PAGE-5', 'SG-5', 'DEV-3'], 'no request is outstanding and the device is idle: the wait was for something the driver never released or signalled');
}
