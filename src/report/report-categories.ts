/**
 * The Allure categories (categories.json): how failures are sorted in the
 * report's Categories tab. A driver routine that did not return and a driver
 * that crashed come first (verdicts on the driver that judge no rule), then product failures (the driver or the
 * simulated kernel broke a rule: one category per verifier catalog entry, one
 * per bug check code, one per rule of the catalog, then plain broken rules),
 * then test defects (the suite or a feature is wrong: an undefined step, bad
 * input in a feature, a bad world parameter).
 *
 * A failed check throws its findings as data (RuleFindingsError), and its
 * message starts with a headline written from that data: "broken rule SG-3
 * (verifier VER-SG-DOUBLE-PUT): ...", "broken rule PAGE-5 (bug check 0xCB):
 * ...", "broken rule DEV-2: ...". Such a failure is filed by its headline
 * alone: under the verifier entry, else the stop code, else the rule of its
 * first finding, whatever the lines below it mention. Allure can match
 * nothing but text, so the headline is the data's one written form.
 *
 * Allure (Java) matches messageRegex against the whole failure message, which
 * starts with the error's name ("BugCheck: bug check 0x4E ..."). A result may
 * fall into several categories, so every category excludes what the ones
 * before it claim: each failure lands in exactly one.
 *
 * For a failure without findings, where a bug check's code is read from: a stop thrown by the step itself
 * ("BugCheck: bug check 0x4E ..."), or the wording of support/outcome.ts for a
 * recorded stop ("... stopped the machine with bug check 0x4E ...", "the
 * machine stopped in step "..." with bug check 0x4E ..."). A message that only
 * mentions a code (an assertion about the parameters of an expected stop) is
 * a broken rule, not a stop of that code.
 */
import { BUGCHECK_NAMES } from '../machine/bug-check';
import type { ViolationEntry } from '../kernel/verifier/violation-catalog';
import { FINDINGS_HEADLINE } from '../oracles/rule-findings-error';
import { RULE_CATALOG, RULE_IDS } from '../rules/rule-catalog';

export interface ReportCategory {
  readonly name: string;
  readonly matchedStatuses: readonly string[];
  readonly messageRegex: string;
}

/** Names of the errors that mean the feature or the run is wrong, not the product. */
export const TEST_DEFECT_ERRORS = {
  'malformed size or number in a step': ['MalformedSize', 'MalformedNumber'],
  'malformed rule tag': ['MalformedRuleTag'],
  'invalid world parameter': ['InvalidWorldParameters'],
  'a step names an object the scenario does not have, or names one twice': ['UnknownScenarioObject', 'DuplicateScenarioObject'],
  'boot option set after the machine booted': ['BootOptionsAfterBoot'],
  'a precondition about the machine does not hold': ['MachinePreconditionFailed'],
} as const;

const FAILED = ['failed', 'broken'] as const;

/** Driver code that did not return within the wall-clock budget: a verdict on the driver, but no rule it broke. */
const DRIVER_DID_NOT_RETURN = 'DriverSpinning';

/**
 * A program error escaped driver code (src/diagnosis/driver-crash.ts): the
 * crash as describeThrownIn words it (src/machine/bug-check.ts), thrown as
 * DriverCrashed or as the reason of the 0x1E stop it caused.
 */
const DRIVER_CRASHED = '(?:AssertionError: |[^\\n]*?bug check 0x1E [A-Z_]+ \\([^)\\n]*\\): )driver [^\\n]*? crashed in ';

function hex(code: number): string {
  return '0x' + code.toString(16).toUpperCase();
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A catalog ID as a whole word: VER-SG-DOUBLE-PUT does not match inside a longer ID. */
function wholeId(id: string): string {
  return `(?<![A-Za-z0-9-])${escapeRegex(id)}(?![A-Za-z0-9-])`;
}

/** Where the actual stop code is read from (see the file comment); followed by the code. */
const STOP_PREFIX = '(?:BugCheck: |.*(?:stopped the machine|machine stopped(?: in step "[^\\n]*?")?) with )bug check ';
const UNDEFINED_STEP = "(?:(?:undefined|ambiguous) step: |.*doesn't have an implementation)";
/** The start of a findings error's message (src/oracles/rule-findings-error.ts), followed by the first finding's rule. */
const FINDINGS = `AssertionError: ${escapeRegex(FINDINGS_HEADLINE)}`;
const NOT_FINDINGS = `(?!${FINDINGS})`;

export function reportCategories(catalog: readonly ViolationEntry[], bugCheckNames: Readonly<Record<number, string>> = BUGCHECK_NAMES): ReportCategory[] {
  const defectErrors = Object.values(TEST_DEFECT_ERRORS).flat();
  // Every category after the headline ones leaves findings errors to them.
  const notTestDefect = `${NOT_FINDINGS}(?!${UNDEFINED_STEP}|${DRIVER_CRASHED}|(?:${[...defectErrors, DRIVER_DID_NOT_RETURN].join('|')}): )`;
  const anyCatalogId = catalog.length > 0 ? `(?!.*(?:${catalog.map((e) => wholeId(e.id)).join('|')}))` : '';

  const verifierEntries = catalog.map((e) => ({
    name: `Product failure: verifier ${e.id} (${e.title})`,
    matchedStatuses: FAILED,
    messageRegex: `(?s)(?:${FINDINGS}(?:\\S+ \\(verifier ${escapeRegex(e.id)}\\)|${escapeRegex(e.id)}): |${notTestDefect}.*${wholeId(e.id)}).*`,
  }));
  const knownCodes = Object.keys(bugCheckNames).map((code) => escapeRegex(hex(Number(code))));
  const bugChecks = Object.entries(bugCheckNames)
    .map(([code, name]) => [Number(code), name] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([code, name]) => ({
      name: `Product failure: bug check ${hex(code)} ${name}`,
      matchedStatuses: FAILED,
      messageRegex: `(?s)(?:${FINDINGS}\\S+ \\(bug check ${hex(code)}\\): |${notTestDefect}${anyCatalogId}${STOP_PREFIX}${hex(code)} ).*`,
    }));
  const rules = RULE_IDS.map((id) => ({
    name: `Product failure: rule ${id} broken (${RULE_CATALOG[id].title})`,
    matchedStatuses: FAILED,
    messageRegex: `(?s)${FINDINGS}${escapeRegex(id)}: .*`,
  }));
  const defects = Object.entries(TEST_DEFECT_ERRORS).map(([what, errors]) => ({
    name: `Test defect: ${what}`,
    matchedStatuses: FAILED,
    messageRegex: `(?s)(?:${errors.join('|')}): .*`,
  }));
  const noKnownStop = `(?!${STOP_PREFIX}0x[0-9A-F]+ )`;
  return [
    {
      name: 'Driver did not return: a routine ran past the wall-clock budget (no rule was judged)',
      matchedStatuses: FAILED,
      messageRegex: `(?s)${DRIVER_DID_NOT_RETURN}: .*`,
    },
    {
      name: 'Driver crashed: a program error in driver code (no rule was judged)',
      matchedStatuses: FAILED,
      messageRegex: `(?s)${NOT_FINDINGS}${DRIVER_CRASHED}.*`,
    },
    ...verifierEntries,
    ...bugChecks,
    ...rules,
    {
      name: 'Product failure: bug check with an unknown code',
      matchedStatuses: FAILED,
      messageRegex: `(?s)(?:${FINDINGS}\\S+ \\(bug check (?!(?:${knownCodes.join('|')})\\))0x[0-9A-F]+\\): |${notTestDefect}${anyCatalogId}${STOP_PREFIX}0x[0-9A-F]+ UNKNOWN_BUGCHECK ).*`,
    },
    {
      name: 'Product failure: verifier finding DRIVER_VERIFIER_DMA_VIOLATION (no catalog entry named)',
      matchedStatuses: FAILED,
      messageRegex: `(?s)${notTestDefect}${anyCatalogId}${noKnownStop}.*DRIVER_VERIFIER_DMA_VIOLATION.*`,
    },
    {
      name: 'Product failure: rule broken (an assertion failed)',
      matchedStatuses: ['failed'],
      messageRegex: `(?s)${notTestDefect}${anyCatalogId}${noKnownStop}(?!.*DRIVER_VERIFIER_DMA_VIOLATION).*`,
    },
    {
      // Worded by scripts/allure-formatter.cjs; the second form is allure-cucumberjs's own.
      name: 'Test defect: undefined or ambiguous step',
      matchedStatuses: ['passed', 'failed', 'broken', 'skipped', 'unknown'],
      messageRegex: `(?s)${UNDEFINED_STEP}.*`,
    },
    ...defects,
    {
      name: 'Test defect: broken (an error in the suite or the simulator, not a verdict on the driver)',
      matchedStatuses: ['broken'],
      messageRegex: `(?s)${notTestDefect}${anyCatalogId}${noKnownStop}(?!.*DRIVER_VERIFIER_DMA_VIOLATION).*`,
    },
  ];
}
