/**
 * KEVENT: the dispatcher object drivers and applications wait on. A
 * notification event stays signalled until cleared and releases every waiter;
 * a synchronization event releases one waiter and clears itself. Waiting is
 * KeWaitForSingleObject in the I/O manager, which runs the simulated clock
 * until the event is signalled.
 */
export type EVENT_TYPE = 'NotificationEvent' | 'SynchronizationEvent';

export class KEVENT {
  Type: EVENT_TYPE = 'NotificationEvent';
  signaled = false;
  /** How many times KeSetEvent signalled it, for reports. */
  setCount = 0;

  constructor(readonly name = 'event') {}
}

export function KeInitializeEvent(Event: KEVENT, Type: EVENT_TYPE, State: boolean): void {
  Event.Type = Type;
  Event.signaled = State;
}

/** KeSetEvent: returns the previous state (nonzero when it was already signalled). */
export function KeSetEvent(Event: KEVENT, _Increment = 0, _Wait = false): number {
  const previous = Event.signaled ? 1 : 0;
  Event.signaled = true;
  Event.setCount++;
  return previous;
}

export function KeClearEvent(Event: KEVENT): void {
  Event.signaled = false;
}

export function KeResetEvent(Event: KEVENT): number {
  const previous = Event.signaled ? 1 : 0;
  Event.signaled = false;
  return previous;
}

export function KeReadStateEvent(Event: KEVENT): number {
  return Event.signaled ? 1 : 0;
}

/** What a satisfied wait does to the event: a synchronization event clears itself. */
export function consumeSignal(Event: KEVENT): void {
  if (Event.Type === 'SynchronizationEvent') Event.signaled = false;
}
