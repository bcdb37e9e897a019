/**
 * Parameter-1 values this project uses for checks Windows has no code for,
 * for both verifier bug checks, in one place so they never collide with a
 * code Microsoft documents.
 *
 * Bug check 0xC4 (DRIVER_VERIFIER_DETECTED_VIOLATION) documents parameter 1
 * in these ranges (Microsoft's "Bug Check 0xC4" page): 0x00-0x140 (pool, IRQL,
 * MDL, I/O and lock checks), 0x1000-0x100B (deadlock detection), 0x2000
 * (Storport), 0xA001-0xA00D (VM switch), and the DDI compliance rules, whose
 * values have the form 0x000RXXXX: 0x20002-0x20022, 0x40003-0x43006 and
 * 0x91001-0x9400C (NDIS/WIFI); AVStream rules use 0x81001 and up (documented
 * for live dump 0x1C4). Every documented value is below 0x100000, so
 * the project's 0xC4 values start at 0xC40000, far above all of them.
 *
 * Bug check 0xE6 (DRIVER_VERIFIER_DMA_VIOLATION) documents 0x00-0x26
 * (Microsoft's "Bug Check 0xE6" page); the project's 0xE6 values start at
 * 0x1000.
 */

/** Parameter-1 ranges Microsoft documents for bug check 0xC4, inclusive (see above). */
export const DOCUMENTED_C4_RANGES: readonly (readonly [number, number])[] = [
  [0x00, 0x140],
  [0x1000, 0x100b],
  [0x2000, 0x2000],
  [0xa001, 0xa00d],
  // DDI compliance and NDIS/WIFI rules: the whole 0x000RXXXX space.
  [0x10000, 0xfffff],
];
import type { RuleId } from '../../rules/rule-catalog';

/** Parameter-1 values Microsoft documents for bug check 0xE6, inclusive. */
export const DOCUMENTED_E6_RANGE: readonly [number, number] = [0x00, 0x26];

/** First bug check 0xC4 parameter 1 of this project's own. */
export const PROJECT_C4_BASE = 0xc40000;

/** First bug check 0xE6 parameter 1 of this project's own (the DMA verifier catalog uses them). */
export const PROJECT_E6_BASE = 0x1000;

export interface ProjectCode {
  readonly parameter1: number;
  readonly title: string;
  /** The rule of the catalog (docs/RULES.md) the check guards, or VER-* when it guards no numbered rule. */
  readonly rule: RuleId;
  /** Meaning of parameters 2..4. */
  readonly parameters: string;
  /** The routine that stops the machine. */
  readonly detector: string;
}

const c4 = {
  FREE_NOT_CONTIGUOUS: {
    parameter1: PROJECT_C4_BASE + 0x0,
    title: 'MmFreeContiguousMemory of an address that is not contiguous memory',
    rule: 'VER-*',
    parameters: 'P2 address, P3 0, P4 0',
    detector: 'MmFreeContiguousMemory',
  },
  UNMAP_NOT_IO_SPACE: {
    parameter1: PROJECT_C4_BASE + 0x1,
    title: 'MmUnmapIoSpace of an address that is not mapped I/O space',
    rule: 'VER-*',
    parameters: 'P2 address, P3 0, P4 0',
    detector: 'MmUnmapIoSpace',
  },
  UNMAP_NOT_MAPPED: {
    parameter1: PROJECT_C4_BASE + 0x2,
    title: 'MmUnmapLockedPages of an address the MDL is not mapped at',
    rule: 'CONT-6',
    parameters: 'P2 MDL, P3 address, P4 0',
    detector: 'MmUnmapLockedPages',
  },
  UNMAP_IN_OTHER_PROCESS: {
    parameter1: PROJECT_C4_BASE + 0x3,
    title: 'MmUnmapLockedPages of a user mapping from another process\'s context',
    rule: 'CONT-6',
    parameters: 'P2 MDL, P3 address, P4 0',
    detector: 'MmUnmapLockedPages',
  },
  MDL_USED_AFTER_FREE: {
    parameter1: PROJECT_C4_BASE + 0x4,
    title: 'MDL routine called on an MDL already freed',
    rule: 'PAGE-5',
    parameters: 'P2 MDL, P3 0, P4 0',
    detector: 'every MDL routine that takes an MDL',
  },
  PARTIAL_FROM_UNLOCKED_SOURCE: {
    parameter1: PROJECT_C4_BASE + 0x5,
    title: 'IoBuildPartialMdl from an MDL whose pages are neither locked nor non-paged',
    rule: 'MDL-2',
    parameters: 'P2 source MDL, P3 its flags, P4 target MDL',
    detector: 'IoBuildPartialMdl',
  },
  PARTIAL_INTO_BUSY_TARGET: {
    parameter1: PROJECT_C4_BASE + 0x6,
    title: 'IoBuildPartialMdl into an MDL still mapped, or describing locked pages of its own',
    rule: 'MDL-2',
    parameters: 'P2 target MDL, P3 its flags, P4 source MDL',
    detector: 'IoBuildPartialMdl',
  },
} as const satisfies Record<string, ProjectCode>;

/** This project's own bug check 0xC4 parameter-1 values, by name. */
export const PROJECT_C4_CODES: { readonly [K in keyof typeof c4]: ProjectCode } = c4;

/** The same, as a list in parameter-1 order. */
export const PROJECT_C4_LIST: readonly ProjectCode[] = Object.values(c4).sort((a, b) => a.parameter1 - b.parameter1);
