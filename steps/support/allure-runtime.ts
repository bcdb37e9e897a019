/**
 * Loading allure-cucumberjs in the support code installs the Allure runtime
 * in every cucumber process (and every --parallel worker). Without it the
 * runtime API calls (attachments, labels) made by steps and hooks are dropped.
 */
import 'allure-cucumberjs';
