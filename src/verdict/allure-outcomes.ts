/**
 * The outcome of each scenario of a run, read from its Allure results
 * (reports/allure-results/*-result.json): the scenario's @class tags, its
 * status, the rule the report's hook filed a failure under (the story label),
 * and the verifier entries and driver places among the findings attached to
 * it as JSON.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ScenarioOutcome } from './driver-verdict';
import { FINDINGS_ATTACHMENT } from '../oracles/failure-attachments';
import { DriverPlace, describeDriverPlace } from '../machine/driver-place';

interface AllureAttachment { readonly name: string; readonly source: string; readonly type?: string }
interface AllureStep { readonly attachments?: readonly AllureAttachment[]; readonly steps?: readonly AllureStep[] }
interface AllureResult extends AllureStep {
  readonly name: string;
  readonly status?: string;
  readonly labels?: readonly { readonly name: string; readonly value: string }[];
}


function attachmentsOf(step: AllureStep): AllureAttachment[] {
  return [...(step.attachments ?? []), ...(step.steps ?? []).flatMap(attachmentsOf)];
}

const STATUSES = new Set(['passed', 'failed', 'broken', 'skipped']);

export function readScenarioOutcomes(resultsDir: string): ScenarioOutcome[] {
  if (!fs.existsSync(resultsDir)) return [];
  return fs.readdirSync(resultsDir).filter((f) => f.endsWith('-result.json')).sort().map((file) => {
    const result = JSON.parse(fs.readFileSync(path.join(resultsDir, file), 'utf8')) as AllureResult;
    const labels = result.labels ?? [];
    const classes = labels.filter((l) => l.name === 'tag' && l.value.startsWith('@class:')).map((l) => l.value.slice('@class:'.length));
    const status = STATUSES.has(result.status ?? '') ? (result.status as ScenarioOutcome['status']) : 'unknown';
    const findings = attachmentsOf(result).filter((a) => a.name === FINDINGS_ATTACHMENT).flatMap((a) => {
      const text = fs.readFileSync(path.join(resultsDir, a.source), 'utf8');
      return JSON.parse(text) as { entry?: string; rule?: string; place?: DriverPlace }[];
    });
    const story = status === 'failed' && findings.length > 0 ? labels.find((l) => l.name === 'story')?.value ?? null : null;
    const entries = [...new Set(findings.map((f) => f.entry).filter((e): e is string => typeof e === 'string'))];
    // The places of the findings that named the broken rule: where the driver broke it, or acquired what it kept.
    const places = [...new Set(findings.filter((f) => f.rule === story && f.place).map((f) => describeDriverPlace(f.place!)))];
    return { name: result.name, classes, status, brokenRule: story, entries, places };
  });
}
