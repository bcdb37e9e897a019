/**
 * The Allure formatter for cucumber, with one correction: allure-cucumberjs
 * 3.12 gives an undefined or ambiguous step no status, so a scenario whose
 * only fault is an unimplemented step shows as passed (or skipped) in the
 * report. Here such a step is reported as a broken step whose message names
 * the problem, so the scenario is broken and lands in the "undefined or
 * ambiguous step" category (scripts/report-categories.cjs).
 */
// The package's CommonJS build exports the formatter class itself.
const AllureCucumberReporter = require('allure-cucumberjs/reporter');

class ConformanceAllureFormatter extends AllureCucumberReporter {
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
  }
}

module.exports = ConformanceAllureFormatter;
