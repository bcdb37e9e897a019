/**
 * The Allure formatter for cucumber, with two corrections to allure-cucumberjs
 * 3.12, which takes a scenario's status from its steps alone:
 *
 * - an undefined or ambiguous step gets no status, so a scenario whose only
 *   fault is an unimplemented step shows as passed (or skipped). Here such a
 *   step is reported as a broken step whose message names the problem, so the
 *   scenario is broken and lands in the "undefined or ambiguous step" category
 *   (scripts/report-categories.cjs);
 * - a failed hook is recorded only in the set-up/tear-down section, so a
 *   scenario whose Before hook failed shows as skipped. Here the failure is
 *   also added to the scenario as a step: failed for an assertion, broken for
 *   any other error, which gives the scenario that status.
 *
 * And two for the report's hook (steps/support/hooks.ts, REPORT_HOOK):
 * - attachments of PARAMETERS_MEDIA_TYPE become parameters of the scenario's
 *   result: Allure's runtime API refuses parameters from an After hook, where
 *   the machine configuration a scenario chose is finally known
 *   (steps/support/report-parameters.ts);
 * - the pictures it attaches (bug check screen, memory map, verifier
 *   findings) go into the scenario's test body, right after its steps,
 *   instead of the collapsed tear-down section where nobody looks.
 */
// The package's CommonJS build exports the formatter class itself.
const AllureCucumberReporter = require('allure-cucumberjs/reporter');

/** Kept equal to REPORT_PARAMETERS_MEDIA_TYPE in steps/support/report-parameters.ts. */
const PARAMETERS_MEDIA_TYPE = 'application/vnd.dma-conformance.parameters+json';
/** Kept equal to REPORT_HOOK in steps/support/hooks.ts. */
const REPORT_HOOK = 'report pictures and parameters';
const ALLURE_RUNTIME_MESSAGE = 'application/vnd.allure.message+json';

class ConformanceAllureFormatter extends AllureCucumberReporter {
  onAttachment(message) {
    const testUuid = message.testCaseStartedId ? this.testResultUuids.get(message.testCaseStartedId) : undefined;
    const fromReportHook = this.hookNameOf(message.testStepId) === REPORT_HOOK;
    if (fromReportHook && message.mediaType === ALLURE_RUNTIME_MESSAGE && testUuid) {
      this.applyRuntimeAttachmentMessages(testUuid, message.body);
      return;
    }
    if (message.mediaType !== PARAMETERS_MEDIA_TYPE) return super.onAttachment(message);
    if (!testUuid) return;
    const parameters = JSON.parse(message.body).map(({ name, value, excluded }) => ({ name, value, ...(excluded ? { excluded: true } : {}) }));
    this.allureRuntime.updateTest(testUuid, (test) => {
      // A parameter given again replaces the earlier value rather than repeating it.
      const given = new Set(parameters.map((p) => p.name));
      test.parameters = [...test.parameters.filter((p) => !given.has(p.name)), ...parameters];
    });
  }

  onTestStepFinished(data) {
    const { status } = data.testStepResult;
    if (status === 'UNDEFINED' || status === 'AMBIGUOUS') {
      const testStep = this.testStepMap.get(data.testStepId);
      const text = testStep?.pickleStepId ? this.pickleStepMap.get(testStep.pickleStepId)?.text : undefined;
      const what = status === 'UNDEFINED' ? 'undefined step: no step definition matches' : 'ambiguous step: several step definitions match';
      const detail = data.testStepResult.message ? `\n${data.testStepResult.message}` : '';
      const message = `${what} "${text ?? '?'}"${detail}`;
      data = {
        ...data,
        testStepResult: {
          ...data.testStepResult,
          status: 'FAILED',
          message,
          exception: { type: status === 'UNDEFINED' ? 'UndefinedStep' : 'AmbiguousStep', message, stackTrace: message },
        },
      };
    }
    super.onTestStepFinished(data);
    this.reportFailedHook(data);
  }

  hookNameOf(testStepId) {
    const hookId = testStepId ? this.testStepMap.get(testStepId)?.hookId : undefined;
    return hookId ? (this.afterHooks[hookId] ?? this.beforeHooks[hookId])?.name : undefined;
  }

  reportFailedHook(data) {
    const testStep = this.testStepMap.get(data.testStepId);
    const result = data.testStepResult;
    if (!testStep?.hookId || result.status !== 'FAILED') return;
    const testUuid = this.testResultUuids.get(data.testCaseStartedId);
    if (!testUuid) return;
    const kind = this.beforeHooks[testStep.hookId] ? 'Before' : 'After';
    const message = result.exception?.message ?? result.message ?? 'no message';
    const at = data.timestamp.seconds * 1000 + Math.floor(data.timestamp.nanos / 1e6);
    // An assertion that fails in a hook is a verdict, like one in a step (steps/support/outcome.ts
    // fails a scenario that left an outcome unexamined this way, with a RuleFindingsError for a stop);
    // any other error is broken.
    const status = /^(?:AssertionError|RuleFindingsError)$/.test(result.exception?.type ?? '') ? 'failed' : 'broken';
    this.allureRuntime.updateTest(testUuid, (test) => {
      test.steps.push({
        name: `${kind} hook "${this.getHookName(testStep.hookId)}" failed`,
        status,
        statusDetails: { message: result.exception?.type ? `${result.exception.type}: ${message}` : message, trace: result.exception?.stackTrace ?? result.message },
        stage: 'finished',
        steps: [],
        attachments: [],
        parameters: [],
        start: at,
        stop: at,
      });
    });
  }
}

module.exports = ConformanceAllureFormatter;
