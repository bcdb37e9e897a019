/**
 * Scenario hooks. Cucumber gives every scenario a fresh ConformanceWorld (and
 * so a fresh machine); these hooks add what the report needs around it:
 *
 * - the suites (the feature folder and feature) and the labels the formatter
 *   cannot see at the start; at the end, the epic and story: the rule the
 *   diagnosis named for a failure with findings, else the rules of the tags;
 * - the driver under test and the machine configuration as parameters;
 * - the bug check screen whenever the scenario's machine stopped, whether
 *   the scenario expected the stop or not (this is the one place it is
 *   attached);
 * - when the scenario failed: its findings as JSON (FINDINGS_ATTACHMENT, what
 *   scripts/mutation-check.cjs reads), or the driver's crash (CRASH_ATTACHMENT), the DMA verifier's findings and the
 *   physical memory map with the scenario's buffers and MDLs outlined. A passing
 *   scenario skips them, which keeps passing runs fast;
 * - when a step matched no step definition: what to do about it.
 */
import * as path from 'node:path';
import { After, Before, ITestCaseHookParameter, Status } from '@cucumber/cucumber';
import { labels, links } from 'allure-js-commons';
import { defaultBootConfig } from '../../src/machine/boot-config';
import { BugCheck, isBugCheck } from '../../src/machine/bug-check';
import { describeMachineConfiguration } from '../../src/report/machine-configuration';
import { FindingCard, findingCard, findingCardOfBugCheck } from '../../src/report/verifier-finding-picture';
import { attachBugCheckScreen, attachJson, attachMemoryMap, attachVerifierFinding, recordedFindings } from './attach';
import { addReportParameters } from './report-parameters';
import { behaviorLabels, ruleLabels, seedLinks } from './rule-labels';
import { suiteLabels } from './suite-labels';
import { ConformanceWorld } from './world';

const ROOT = path.resolve(__dirname, '..', '..');
/** More finding pictures than this in one scenario are summarised as JSON only. */
const MAX_FINDING_PICTURES = 5;

Before({ name: 'rule labels' }, async function (this: ConformanceWorld, scenario: ITestCaseHookParameter) {
  await labels(...suiteLabels(scenario.pickle, scenario.gherkinDocument), ...ruleLabels(scenario.pickle, scenario.gherkinDocument));
  const seeds = seedLinks(scenario.pickle, scenario.gherkinDocument);
  if (seeds.length > 0) await links(...seeds);
});

/**
 * The driver a scenario ran against: the one driver-under-test.ts selected
 * for a conformance scenario (@class:...), by name and where it came from;
 * none for a kernel rule.
 */
export function driverUnderTest(world: ConformanceWorld, scenario: ITestCaseHookParameter): string {
  // Loaded here, not at the top, because importing it registers hooks (see stopOf below).
  const { classesOfTags, selectedDriver } = require('./driver-under-test') as typeof import('./driver-under-test');
  if (classesOfTags(scenario.pickle.tags).length === 0) return 'none (kernel rule)';
  let name: string;
  try {
    name = selectedDriver(world).name;
  } catch {
    return 'none (skipped: no driver under test claims its class)';
  }
  const named = world.parameters.driver;
  if (!named) return `${name} (reference driver)`;
  const relative = path.relative(ROOT, named);
  return `${name} (${relative.startsWith('..') ? named : relative})`;
}

/** The machine the scenario booted, or would have booted from the options its steps chose. */
export function machineUnderTest(world: ConformanceWorld): string {
  if (world.hasBooted) return describeMachineConfiguration(world.machine.config);
  try {
    return `${describeMachineConfiguration(defaultBootConfig(world.bootConfigOverrides()))} (not booted)`;
  } catch (e) {
    return `did not boot: ${(e as Error).message}`;
  }
}

/** The bug check the scenario's machine stopped with, from wherever it was seen. */
export function stopOf(world: ConformanceWorld, error: unknown): BugCheck | null {
  if (isBugCheck(error)) return error;
  // Loaded here, not at the top: importing outcome.ts registers its After hook, and this
  // file's After hook must be registered before it so that it runs after it (see cucumber.cjs).
  const { recordedStop } = require('./outcome') as typeof import('./outcome');
  const recorded = recordedStop(world);
  if (recorded?.outcome.kind === 'bug check') return recorded.outcome.stop;
  return world.hasBooted ? world.machine.kernel.stopped : null;
}

/** The verifier findings to show: every recorded one, and the one behind a verifier stop if it was not recorded. */
export function findingCards(world: ConformanceWorld, stop: BugCheck | null): FindingCard[] {
  const cards = recordedFindings(world).map(({ finding, verifier }) => findingCard(finding, verifier.mode === 'bugcheck'));
  const fromStop = stop ? findingCardOfBugCheck(stop) : null;
  const sameAs = (a: FindingCard, b: FindingCard) => a.id === b.id && a.parameters.every((p, i) => p === b.parameters[i]);
  if (fromStop && !cards.some((c) => sameAs(c, fromStop))) cards.push(fromStop);
  return cards;
}

/** Printed when a scenario has a step that no step definition matches. */
export const UNDEFINED_STEP_ADVICE =
  'Undefined step: a step of a feature matches no step definition (cucumber names it under "Failures", with a snippet). ' +
  'Look in docs/STEPS.md for a step that says the same thing (npm run steps -- <word> searches the vocabulary) and use its exact wording; ' +
  'if there is none, add a step definition as docs/WRITING-FEATURES.md explains, starting from that snippet.';

let adviceGiven = false;

/**
 * The hook's name tells scripts/allure-formatter.cjs (kept equal to REPORT_HOOK there) that what it
 * attaches and labels belongs to the scenario's own result, not to a tear-down fixture.
 */
export const REPORT_HOOK = 'report pictures and parameters';

After({ name: REPORT_HOOK }, async function (this: ConformanceWorld, scenario: ITestCaseHookParameter) {
  await addReportParameters([
    { name: 'driver under test', value: driverUnderTest(this, scenario) },
    { name: 'machine', value: machineUnderTest(this), excluded: true },
  ]);
  if (scenario.result?.status === Status.UNDEFINED && !adviceGiven) {
    // Once per process, on stderr: cucumber's formatters show an attachment's type, not its text.
    adviceGiven = true;
    process.stderr.write(`\n${UNDEFINED_STEP_ADVICE}\n`);
  }
  const stop = stopOf(this, scenario.error);
  if (stop) await attachBugCheckScreen(stop);
  const failed = scenario.result?.status === Status.FAILED;
  // Loaded here, not at the top: it imports outcome.ts and driver-under-test.ts, which register hooks (see stopOf).
  const { CRASH_ATTACHMENT, FINDINGS_ATTACHMENT, failureCrash, failureFindings } = require('./failure-findings') as typeof import('./failure-findings');
  const findings = failed ? failureFindings(this, scenario.error, stop) : null;
  await labels(...behaviorLabels(scenario.pickle, findings));
  if (!failed) return;
  if (findings) await attachJson(FINDINGS_ATTACHMENT, findings);
  const crash = failureCrash(this, scenario.error, stop);
  if (crash) await attachJson(CRASH_ATTACHMENT, crash);
  const cards = findingCards(this, stop);
  for (const card of cards.slice(0, MAX_FINDING_PICTURES)) await attachVerifierFinding(card);
  if (cards.length > MAX_FINDING_PICTURES) await attachJson(`all ${cards.length} verifier findings`, cards);
  await attachMemoryMap(this);
});
