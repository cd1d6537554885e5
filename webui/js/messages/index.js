// The message catalogues, one module per feature and language; i18n.js merges them per language.
import authEn from './auth-en.js';
import authZhCN from './auth-zh-CN.js';
import boardEn from './board-en.js';
import boardZhCN from './board-zh-CN.js';
import cannedEn from './canned-en.js';
import cannedZhCN from './canned-zh-CN.js';
import commonEn from './common-en.js';
import commonZhCN from './common-zh-CN.js';
import consoleAlertsEn from './console-alerts-en.js';
import consoleAlertsZhCN from './console-alerts-zh-CN.js';
import consoleEn from './console-en.js';
import consoleTeamEn from './console-team-en.js';
import consoleTeamZhCN from './console-team-zh-CN.js';
import consoleZhCN from './console-zh-CN.js';
import customersEn from './customers-en.js';
import customersZhCN from './customers-zh-CN.js';
import errorsEn from './errors-en.js';
import errorsZhCN from './errors-zh-CN.js';
import fieldErrorsEn from './field-errors-en.js';
import fieldErrorsZhCN from './field-errors-zh-CN.js';
import hoursEn from './hours-en.js';
import kbEn from './kb-en.js';
import kbToolsEn from './kb-tools-en.js';
import kbToolsZhCN from './kb-tools-zh-CN.js';
import kbZhCN from './kb-zh-CN.js';
import hoursZhCN from './hours-zh-CN.js';
import leadsEn from './leads-en.js';
import leadsZhCN from './leads-zh-CN.js';
import mailEn from './mail-en.js';
import mailZhCN from './mail-zh-CN.js';
import peopleEn from './people-en.js';
import peopleZhCN from './people-zh-CN.js';
import reportsEn from './reports-en.js';
import reportsZhCN from './reports-zh-CN.js';
import routingEn from './routing-en.js';
import rulesEn from './rules-en.js';
import rulesZhCN from './rules-zh-CN.js';
import routingZhCN from './routing-zh-CN.js';
import sitesEn from './sites-en.js';
import sitesZhCN from './sites-zh-CN.js';
import visitorsEn from './visitors-en.js';
import visitorsZhCN from './visitors-zh-CN.js';

/** `{feature: {'zh-CN': messages, en: messages}}`: every feature has both languages, with the same keys. */
export const FEATURES = {
  common: { 'zh-CN': commonZhCN, en: commonEn },
  errors: { 'zh-CN': errorsZhCN, en: errorsEn },
  'field-errors': { 'zh-CN': fieldErrorsZhCN, en: fieldErrorsEn },
  auth: { 'zh-CN': authZhCN, en: authEn },
  sites: { 'zh-CN': sitesZhCN, en: sitesEn },
  people: { 'zh-CN': peopleZhCN, en: peopleEn },
  routing: { 'zh-CN': routingZhCN, en: routingEn },
  hours: { 'zh-CN': hoursZhCN, en: hoursEn },
  mail: { 'zh-CN': mailZhCN, en: mailEn },
  console: { 'zh-CN': consoleZhCN, en: consoleEn },
  'console-alerts': { 'zh-CN': consoleAlertsZhCN, en: consoleAlertsEn },
  'console-team': { 'zh-CN': consoleTeamZhCN, en: consoleTeamEn },
  canned: { 'zh-CN': cannedZhCN, en: cannedEn },
  customers: { 'zh-CN': customersZhCN, en: customersEn },
  leads: { 'zh-CN': leadsZhCN, en: leadsEn },
  visitors: { 'zh-CN': visitorsZhCN, en: visitorsEn },
  rules: { 'zh-CN': rulesZhCN, en: rulesEn },
  kb: { 'zh-CN': kbZhCN, en: kbEn },
  'kb-tools': { 'zh-CN': kbToolsZhCN, en: kbToolsEn },
  reports: { 'zh-CN': reportsZhCN, en: reportsEn },
  board: { 'zh-CN': boardZhCN, en: boardEn },
};
