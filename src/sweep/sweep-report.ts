/**
 * The sweep's output: a line per class (`sweep: <class>: S call sites, R
 * runs, F failures`) and, for each failure, the call that failed and where,
 * what the oracles found (each finding with its rule), and the command that
 * replays exactly that run.
 */
import { suiteCommand } from '../cli/suite-command';
import { describeFindings } from '../oracles/oracle-finding';
import { describeCrash } from '../diagnosis/driver-crash';
import { FailurePlan, planArguments } from './failure-plan';
import type { SweepRun } from './sweep-run';
import type { ClassSweep } from './systematic-sweep';

/** A shell word: quoted when it holds anything a shell would split or expand. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function replayCommand(modulePath: string, conformanceClass: string, plan: FailurePlan): string {
  return [...suiteCommand('sweep'), '--driver', modulePath, '--class', conformanceClass, ...planArguments(plan)].map(shellWord).join(' ');
}

export function summaryLine(sweep: ClassSweep): string {
  return `sweep: ${sweep.conformanceClass}: ${sweep.sites.length} call sites, ${sweep.runs.length} runs, ${sweep.failures.length} failures`;
}

/** What a run failed, in words: each failed call with its site, or that none failed. */
export function describeInjected(run: SweepRun): string {
  if (run.injected.length === 0) return `no call failed (the driver made ${run.calls} fallible call(s))`;
  const calls = run.injected.map((i) => `call ${i.call} failed at ${i.site}${i.by === 'site' ? ' (the first call there)' : ''}${i.duringStart ? ' while the driver started' : ''}`);
  const missed = run.plan.site !== null && !run.injected.some((i) => i.by === 'site') ? [`${run.plan.site} was never reached`] : [];
  return [...calls, ...missed].join(', then ');
}

export function describeRun(run: SweepRun, modulePath: string, conformanceClass: string): string {
  const verdict = run.crash ? describeCrash(run.crash) : run.findings.length === 0 ? 'no finding' : describeFindings(run.findings);
  return [
    describeInjected(run),
    ...verdict.split('\n').map((l) => `  ${l}`),
    `  replay: ${replayCommand(modulePath, conformanceClass, run.plan)}`,
  ].join('\n');
}

/** Said when the run that failed no call fails too: its findings are no error-path bug, and may be behind the other failures. */
export const ORDINARY_PATH_NOTE = 'the run that failed no call fails too: the driver breaks a rule on its ordinary path, not only on an error path; the other failures may be that same bug';

export function formatSweep(sweep: ClassSweep, modulePath: string): string {
  const ordinary = sweep.failures.some((run) => run.injected.length === 0) ? [`  ${ORDINARY_PATH_NOTE}`] : [];
  return [summaryLine(sweep), ...ordinary, ...sweep.failures.map((run) => describeRun(run, modulePath, sweep.conformanceClass).split('\n').map((l) => `  ${l}`).join('\n'))].join('\n');
}
