/**
 * What a driver left behind after it was unloaded, and the rule each kind of
 * leftover shows broken: a lock never undone (PAGE-5), a list never put back
 * (SG-3), an adapter never released (SG-1), ...
 */
import { Diagnosis, certain } from './diagnosis';
import type { RuleRef } from '../rules/rule-ref';

export const LEFTOVER_RULES = {
  /** The driver is still loaded, so what it holds cannot be told from what it leaks. */
  'driver-loaded': 'VER-LEAK-AT-UNLOAD',
  'request-pending': 'PAGE-5',
  'irp-not-freed': 'VER-LEAK-AT-UNLOAD',
  'pool-not-freed': 'CONT-4',
  'mdl-not-freed': 'MDL-1',
  'mdl-still-locked': 'PAGE-5',
  'pages-still-locked': 'PAGE-5',
  'user-mapping': 'CONT-6',
  'adapter-not-released': 'SG-1',
  'lists-not-put': 'SG-3',
  'channel-or-map-registers-held': 'SG-2',
  'common-buffer-not-freed': 'CONT-1',
  'contiguous-not-freed': 'CONT-2',
  'system-ptes-held': 'MDL-3',
  'interrupt-connected': 'DEV-3',
} as const satisfies Record<string, RuleRef>;

export type LeftoverKind = keyof typeof LEFTOVER_RULES;

export function diagnoseLeftover(kind: LeftoverKind): Diagnosis {
  return certain(LEFTOVER_RULES[kind]);
}
