/**
 * The Allure formatter for cucumber: allure-cucumberjs's formatter, used as
 * it is, fed by this one with cucumber's messages (the `envelope` events of
 * cucumber's formatter API) and given one lifecycle listener (its documented
 * `listeners` option, allure-js-commons' ReporterConfig).
 *
 * allure-cucumberjs takes a scenario's status from its steps alone, so two
 * things would be reported wrongly; this formatter keeps them honest:
 *
 * - an undefined or ambiguous step gets no status, so a scenario whose only
 *   fault is an unimplemented step would show as passed (or skipped). Such a
 *   step reaches Allure as a failed step whose error names the problem and
 *   the step, so the scenario is broken and lands in the "undefined or
 *   ambiguous step" category (src/report/report-categories.ts);
 * - a failed hook is recorded only in the set-up/tear-down section, so a
 *   scenario whose Before hook failed would show as skipped. The listener adds
 *   the failure to the scenario's result as a step before Allure writes it:
 *   failed for an assertion, broken for any other error, and the scenario
 *   takes that status when it is the worst.
 *
 * The report's own hook (steps/support/hooks.ts, REPORT_HOOK) is not shown as
 * a tear-down fixture: what it gives (the pictures, the rule labels of a
 * failure, the driver and machine parameters, all through allure-js-commons)
 * belongs to the scenario itself, right after its steps, and Allure accepts
 * labels and parameters from a scenario but not from an After fixture.
 */
const { EventEmitter } = require('node:events');
const { Formatter } = require('@cucumber/cucumber');
const { getWorstTestStepResult } = require('allure-js-commons/sdk/reporter');
// The package's CommonJS build exports the formatter class itself.
const AllureCucumberReporter = require('allure-cucumberjs/reporter');
const { AllureResultsWriter } = require('./allure-results-writer.cjs');

/** allure-js-commons' own default, for a configuration that names no resultsDir. */
const DEFAULT_RESULTS_DIR = './allure-results';

/** Kept equal to REPORT_HOOK in steps/support/hooks.ts. */
const REPORT_HOOK = 'report pictures and parameters';

const millisecondsOf = (timestamp) => timestamp.seconds * 1000 + Math.floor(timestamp.nanos / 1e6);

class ConformanceAllureFormatter extends Formatter {
  static documentation = 'Allure results (allure-cucumberjs), with undefined steps and failed hooks reported on the scenario';

  constructor(options) {
    super(options);
    /** Hook id -> { kind: 'Before' | 'After', name }, from the `hook` messages. */
    this.hooks = new Map();
    /** Test step id -> its test step (hookId or pickleStepId), from the `testCase` messages. */
    this.testSteps = new Map();
    /** Pickle step id -> its text, from the `pickle` messages. */
    this.stepTexts = new Map();
    /** testCaseStartedId -> the steps to add for its failed hooks. */
    this.failedHooks = new Map();
    /** The scenario whose result Allure is finishing, while it handles its testCaseFinished. */
    this.finishing = null;

    const toAllure = new EventEmitter();
    const listener = { beforeTestResultStop: (result) => this.addFailedHooks(result) };
    this.allure = new AllureCucumberReporter({
      ...options,
      eventBroadcaster: toAllure,
      // The stream is this formatter's to close (see finished()).
      cleanup: async () => {},
      parsedArgvOptions: {
        ...options.parsedArgvOptions,
        listeners: [...(options.parsedArgvOptions.listeners ?? []), listener],
        writer: new AllureResultsWriter(options.parsedArgvOptions.resultsDir ?? DEFAULT_RESULTS_DIR),
      },
    });
    options.eventBroadcaster.on('envelope', (envelope) => {
      const forwarded = this.read(envelope);
      if (!forwarded) return;
      this.finishing = envelope.testCaseFinished?.testCaseStartedId ?? null;
      try {
        toAllure.emit('envelope', forwarded);
      } finally {
        // Allure has written the scenario's result (and the listener added its failed hooks).
        if (this.finishing) this.failedHooks.delete(this.finishing);
        this.finishing = null;
      }
    });
  }

  /** Notes what the report needs from a message; returns the message to give Allure, or null to keep it from Allure. */
  read(envelope) {
    if (envelope.hook) {
      const { id, type, name } = envelope.hook;
      if (type === 'BEFORE_TEST_CASE' || type === 'AFTER_TEST_CASE') this.hooks.set(id, { kind: type === 'BEFORE_TEST_CASE' ? 'Before' : 'After', name: name ?? 'hook' });
    } else if (envelope.pickle) {
      for (const step of envelope.pickle.steps) this.stepTexts.set(step.id, step.text);
    } else if (envelope.testCase) {
      for (const step of envelope.testCase.testSteps) this.testSteps.set(step.id, step);
    } else if (envelope.testStepStarted) {
      if (this.isReportHook(envelope.testStepStarted.testStepId)) return null;
    } else if (envelope.testStepFinished) {
      const finished = envelope.testStepFinished;
      this.noteFailedHook(finished);
      if (this.isReportHook(finished.testStepId)) return null;
      const { status } = finished.testStepResult;
      if (status === 'UNDEFINED' || status === 'AMBIGUOUS') return { testStepFinished: this.asFailedStep(finished) };
    }
    return envelope;
  }

  isReportHook(testStepId) {
    const hookId = this.testSteps.get(testStepId)?.hookId;
    return hookId !== undefined && this.hooks.get(hookId)?.name === REPORT_HOOK;
  }

  /** An undefined or ambiguous step as a failed one whose error says which and names the step. */
  asFailedStep(finished) {
    const result = finished.testStepResult;
    const undefinedStep = result.status === 'UNDEFINED';
    const pickleStepId = this.testSteps.get(finished.testStepId)?.pickleStepId;
    const text = pickleStepId ? this.stepTexts.get(pickleStepId) : undefined;
    const what = undefinedStep ? 'undefined step: no step definition matches' : 'ambiguous step: several step definitions match';
    const message = `${what} "${text ?? '?'}"${result.message ? `\n${result.message}` : ''}`;
    return {
      ...finished,
      testStepResult: {
        ...result,
        status: 'FAILED',
        message,
        exception: { type: undefinedStep ? 'UndefinedStep' : 'AmbiguousStep', message, stackTrace: message },
      },
    };
  }

  noteFailedHook(finished) {
    const hookId = this.testSteps.get(finished.testStepId)?.hookId;
    const hook = hookId !== undefined ? this.hooks.get(hookId) : undefined;
    const result = finished.testStepResult;
    if (!hook || result.status !== 'FAILED') return;
    const message = result.exception?.message ?? result.message ?? 'no message';
    const at = millisecondsOf(finished.timestamp);
    // An assertion that fails in a hook is a verdict, like one in a step (steps/support/outcome.ts
    // fails a scenario that left an outcome unexamined this way, with a RuleFindingsError for a stop);
    // any other error is broken.
    const status = /^(?:AssertionError|RuleFindingsError)$/.test(result.exception?.type ?? '') ? 'failed' : 'broken';
    const step = {
      name: `${hook.kind} hook "${hook.name}" failed`,
      status,
      statusDetails: { message: result.exception?.type ? `${result.exception.type}: ${message}` : message, trace: result.exception?.stackTrace ?? result.message },
      stage: 'finished',
      steps: [],
      attachments: [],
      parameters: [],
      start: at,
      stop: at,
    };
    const list = this.failedHooks.get(finished.testCaseStartedId) ?? [];
    list.push({ kind: hook.kind, step });
    this.failedHooks.set(finished.testCaseStartedId, list);
  }

  /**
   * The lifecycle listener: just before Allure stops the scenario's result, its failed hooks
   * become steps of it (a Before hook's ahead of every step, an After hook's after what came
   * before it), and the scenario takes the worst status of its steps as Allure does.
   */
  addFailedHooks(result) {
    const failed = this.finishing ? this.failedHooks.get(this.finishing) : undefined;
    if (!failed) return;
    const before = failed.filter((f) => f.kind === 'Before').map((f) => f.step);
    result.steps.unshift(...before);
    for (const { step } of failed.filter((f) => f.kind === 'After')) {
      const later = result.steps.findIndex((s) => s.start !== undefined && s.start > step.start);
      result.steps.splice(later < 0 ? result.steps.length : later, 0, step);
    }
    const worst = getWorstTestStepResult(result.steps);
    if (failed.some((f) => f.step === worst)) {
      result.status = worst.status;
      result.statusDetails = { ...result.statusDetails, ...worst.statusDetails };
    }
  }

  async finished() {
    await this.allure.finished();
    await super.finished();
  }
}

module.exports = ConformanceAllureFormatter;
