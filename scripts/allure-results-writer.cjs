/**
 * Where the Allure formatter's results go: plain files in the results
 * directory, written once each. allure-js-commons' own writer (FileSystemWriter)
 * writes every file to a temporary name, fsyncs it and renames it, so that a
 * report reading the directory while tests still run never sees half a file;
 * nothing reads these results before cucumber has exited, and the fsync of
 * one file per scenario and attachment was most of a dry run's time. The
 * shapes are allure-js-commons' Writer interface (its `writer` option).
 */
const fs = require('node:fs');
const path = require('node:path');
const { stringifyEnvInfo } = require('allure-js-commons/sdk/reporter');

class AllureResultsWriter {
  constructor(resultsDir) {
    this.resultsDir = resultsDir;
    this.made = false;
  }

  writeResult(result) {
    this.writeJson(`${result.uuid}-result.json`, result);
  }

  writeGroup(result) {
    this.writeJson(`${result.uuid}-container.json`, result);
  }

  writeAttachment(distFileName, content) {
    fs.writeFileSync(this.pathOf(distFileName), content);
  }

  writeAttachmentFromPath(distFileName, from) {
    fs.copyFileSync(from, this.pathOf(distFileName));
  }

  writeEnvironmentInfo(info) {
    fs.writeFileSync(this.pathOf('environment.properties'), stringifyEnvInfo(info), 'utf-8');
  }

  writeCategoriesDefinitions(categories) {
    this.writeJson('categories.json', categories);
  }

  writeGlobals(distFileName, info) {
    this.writeJson(distFileName, info);
  }

  writeJson(name, data) {
    fs.writeFileSync(this.pathOf(name), JSON.stringify(data), 'utf-8');
  }

  pathOf(name) {
    if (!this.made) {
      fs.mkdirSync(this.resultsDir, { recursive: true });
      this.made = true;
    }
    return path.join(this.resultsDir, name);
  }
}

module.exports = { AllureResultsWriter };
