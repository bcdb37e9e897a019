/**
 * A DMA verifier finding as a card for the report: the catalog entry (ID,
 * title, the rule it guards), bug check 0xE6 with its four parameters and
 * what they mean, the details of this finding, and what Windows Driver
 * Verifier and Linux dma-debug report for the same mistake.
 *
 * A finding comes either from the verifier's record (verifier mode 'record')
 * or from the bug check the verifier stopped the machine with (mode
 * 'bugcheck'): 0xE6 whose parameter 1 is the catalog entry's.
 */
import { BUGCHECK_NAMES, BugCheck } from '../machine/bug-check';
import type { VerifierFinding } from '../kernel/verifier/dma-verifier';
import { entryOfVerifierStop, violationEntry } from '../kernel/verifier/violation-catalog';
import { MONOSPACE, svgDocument, text } from './svg-markup';
import { wrapText } from './text-wrap';
import type { RuleId } from '../rules/rule-catalog';

export interface FindingCard {
  readonly id: string;
  readonly title: string;
  readonly rule: RuleId;
  readonly bugCheckCode: number;
  readonly parameters: readonly [number, number, number, number];
  /** What parameters 2 to 4 mean for this entry. */
  readonly parameterMeaning: string;
  readonly details: string;
  readonly windows: string;
  readonly linux: string;
  /** Simulated time of the finding in ns, when known. */
  readonly atNs: number | null;
  readonly driver: string | null;
  /** Whether the finding stopped the machine. */
  readonly stoppedTheMachine: boolean;
}

export function findingCard(f: VerifierFinding, stoppedTheMachine: boolean): FindingCard {
  const entry = violationEntry(f.id);
  return {
    id: f.id,
    title: entry.title,
    rule: f.rule,
    bugCheckCode: f.bugCheckCode,
    parameters: f.parameters,
    parameterMeaning: entry.parameters,
    details: f.details,
    windows: f.windows,
    linux: f.linux,
    atNs: f.atNs,
    driver: f.driver,
    stoppedTheMachine,
  };
}

/** The finding behind a verifier bug check (0xE6 with a catalog entry's parameter 1); null for any other stop. */
export function findingCardOfBugCheck(stop: BugCheck): FindingCard | null {
  const entry = entryOfVerifierStop(stop);
  if (!entry) return null;
  // The verifier words its reason "<ID>: <details>" (dma-verifier.ts); the card shows the details once.
  const prefix = `${entry.id}: `;
  return {
    id: entry.id,
    title: entry.title,
    rule: entry.rule,
    bugCheckCode: stop.code,
    parameters: stop.parameters,
    parameterMeaning: entry.parameters,
    details: stop.reason.startsWith(prefix) ? stop.reason.slice(prefix.length) : stop.reason,
    windows: entry.windows,
    linux: entry.linux,
    atNs: null,
    driver: null,
    stoppedTheMachine: true,
  };
}

function hexWord(n: number): string {
  return '0x' + n.toString(16).toUpperCase();
}

const WIDTH = 820;
const MARGIN = 20;
const LABEL = 150;
const COLUMNS = 92;

export function verifierFindingPicture(card: FindingCard): string {
  const parts: string[] = [];
  let y = 0;
  const headerHeight = 64;
  parts.push(`<rect width="${WIDTH}" height="${headerHeight}" fill="#8E1B1B"/>`);
  parts.push(text(MARGIN, 26, `DMA verifier finding ${card.id}`, { 'font-size': 18, 'font-weight': 'bold', fill: '#FFFFFF' }));
  parts.push(text(MARGIN, 48, wrapText(card.title, 100)[0]!, { 'font-size': 13, fill: '#FFE5E5' }));
  y = headerHeight + 26;

  const row = (label: string, value: string, options: { mono?: boolean } = {}) => {
    parts.push(text(MARGIN, y, label, { 'font-weight': 'bold', fill: '#333333' }));
    const lines = wrapText(value, options.mono ? 80 : COLUMNS);
    for (const line of lines) {
      parts.push(text(MARGIN + LABEL, y, line, options.mono ? { 'font-family': MONOSPACE } : {}));
      y += 17;
    }
    y += 5;
  };
  row('Rule', card.rule);
  row('Bug check', `${hexWord(card.bugCheckCode)} ${BUGCHECK_NAMES[card.bugCheckCode] ?? 'UNKNOWN_BUGCHECK'}${card.stoppedTheMachine ? ' (the machine stopped)' : ' (recorded; the machine carried on)'}`);
  card.parameters.forEach((p, i) => row(`Parameter ${i + 1}`, hexWord(p), { mono: true }));
  row('Parameters 2-4', card.parameterMeaning);
  row('What happened', card.details);
  if (card.atNs !== null || card.driver !== null) {
    row('When', `${card.atNs !== null ? `at ${card.atNs} ns of simulated time` : ''}${card.driver ? `${card.atNs !== null ? ', ' : ''}while ${card.driver} was running` : ''}`);
  }
  row('Windows reports', card.windows);
  row('Linux dma-debug', card.linux);
  const height = y + MARGIN - 5;
  return svgDocument(WIDTH, height, `DMA verifier finding ${card.id}: ${card.title}`, [
    `<rect width="${WIDTH}" height="${height}" fill="#FFFFFF" stroke="#8E1B1B" stroke-width="2"/>`,
    ...parts,
  ]);
}
