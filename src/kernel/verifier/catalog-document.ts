/**
 * docs/verifier-catalog.md is generated from the catalog, so the document
 * cannot drift from the code (a unit test compares them). Regenerate with:
 *
 *   node --require ts-node/register/transpile-only src/kernel/verifier/catalog-document.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_C4_BASE, PROJECT_C4_LIST } from './project-codes';
import { DRIVER_VERIFIER_DMA_VIOLATION, PROJECT_PARAMETER_BASE, VIOLATION_CATALOG } from './violation-catalog';

export const CATALOG_DOCUMENT_PATH = join(__dirname, '..', '..', '..', 'docs', 'verifier-catalog.md');

function hex(n: number): string {
  return '0x' + n.toString(16).toUpperCase().padStart(2, '0');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderCatalogDocument(): string {
  const lines: string[] = [
    '# DMA verifier catalog',
    '',
    '<!-- Generated from src/kernel/verifier/violation-catalog.ts and project-codes.ts by src/kernel/verifier/catalog-document.ts; do not edit by hand. -->',
    '',
    'Every violation the DMA verifier detects. A scenario that checks one is tagged',
    '`@rule:<ID>`; the "Rule" column names the rule of docs/RULES.md the check guards.',
    '',
    `With \`verifierMode: 'bugcheck'\` a finding stops the machine with bug check ${hex(DRIVER_VERIFIER_DMA_VIOLATION)}`,
    '(DRIVER_VERIFIER_DMA_VIOLATION) and the parameters below; with `\'record\'` it is only',
    'recorded (catalog ID, rule, parameters, details, simulated time) and the routine fails',
    'the documented way or carries on.',
    '',
    `Parameter 1 values from ${hex(PROJECT_PARAMETER_BASE)} up are this project's own, for checks Windows`,
    'does not make (Microsoft documents 0x00 to 0x26 for 0xE6); their "Windows" column says',
    '"none". Readings marked [inferred] are the project\'s, not a quotation.',
    '',
    'Every entry is also a detection of src/kernel/detections/detection-registry.ts, with the',
    'scenarios (here, those tagged with its ID under features/verifier) that must fail when',
    'the verifier stops reporting it. `npm run test:detections` (scripts/detection-proof.cjs,',
    'the last step of `npm test`) switches each detection off in turn and runs only its proofs;',
    'it ends with `detections proven: N/M` and fails below M/M.',
    '',
    '| ID | Violation | Rule | P1 | Windows | Linux dma-debug | P2..P4 | Detector |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const e of VIOLATION_CATALOG) {
    lines.push(`| ${e.id} | ${cell(e.title)} | ${e.rule} | ${hex(e.parameter1)} | ${cell(e.windows)} | ${cell(e.linux)} | ${cell(e.parameters)} | ${cell(e.detector)} |`);
  }
  lines.push(
    '',
    '## Project codes of bug check 0xC4',
    '',
    'The simulated memory manager stops the machine with bug check 0xC4',
    '(DRIVER_VERIFIER_DETECTED_VIOLATION) and the parameter 1 Microsoft documents wherever',
    `Windows has a check. For the checks below Windows has no code; their parameter 1 values,`,
    `from ${hex(PROJECT_C4_BASE)} up, are this project's own and lie outside every range Microsoft`,
    'documents for 0xC4 (src/kernel/verifier/project-codes.ts lists those ranges).',
    '',
    '| P1 | Violation | Rule | P2..P4 | Detector |',
    '|---|---|---|---|---|',
  );
  for (const c of PROJECT_C4_LIST) {
    lines.push(`| ${hex(c.parameter1)} | ${cell(c.title)} | ${c.rule} | ${cell(c.parameters)} | ${cell(c.detector)} |`);
  }
  lines.push('');
  return lines.join('\n');
}

if (require.main === module) {
  writeFileSync(CATALOG_DOCUMENT_PATH, renderCatalogDocument());
  console.log(`wrote ${CATALOG_DOCUMENT_PATH}`);
}
