// Site form sections about who answers: routing strategy, fallback team, re-offer time, offline behaviour.
import { h } from '../../dom.js';
import { field, input, select } from '../../forms.js';
import { t } from '../../i18n.js';
import { LIMITS, OFFLINE_MODES, ROUTING_STRATEGIES } from '../../validation.js';

/** Teams a site can use: its own and the shared ones (`site_id` null). */
export function teamsForSite(teams, siteId) {
  return teams.filter((team) => team.site_id === null || team.site_id === siteId);
}

/** `[value, label]` options of a team select, '' first meaning "no team" (`noneLabel`). */
export function teamOptions(teams, noneLabel) {
  return [['', noneLabel], ...teams.map((team) => [String(team.id), team.name])];
}

function strategySelect(site) {
  const control = select({ name: 'routing_strategy', 'data-test': 'site-routing-strategy' },
    ROUTING_STRATEGIES.map((strategy) => [strategy, t(`site.routing.strategy.${strategy}`)]),
    site.routing_strategy || 'least_busy');
  const wrapper = field({ label: t('site.routing.strategy'), hint: ' ', control });
  const hint = wrapper.querySelector('.hint');
  const explain = () => {
    hint.textContent = t(`site.routing.strategy.${control.value}.hint`);
  };
  control.addEventListener('change', explain);
  explain();
  return wrapper;
}

/** The "Routing" fieldset: strategy, fallback team and seconds before an unanswered chat moves on. */
export function routingFields(site, teams) {
  return h('fieldset', { class: 'form-section', 'data-test': 'site-routing' },
    h('legend', {}, t('site.routing.title')),
    h('div', { class: 'form-grid' },
      strategySelect(site),
      field({
        label: t('site.routing.fallback'), hint: t('site.routing.fallback.hint'),
        control: select({ name: 'fallback_team_id', 'data-test': 'site-fallback-team' },
          teamOptions(teamsForSite(teams, site.id), t('site.routing.fallback.none')),
          site.fallback_team_id ? String(site.fallback_team_id) : ''),
      }),
      field({
        label: t('site.routing.unanswered'), hint: t('site.routing.unanswered.hint'),
        control: input({ name: 'unanswered_seconds', type: 'number', inputmode: 'numeric',
          min: String(LIMITS.unansweredMin), max: String(LIMITS.unansweredMax), step: '1',
          value: String(site.unanswered_seconds ?? 60), 'data-test': 'site-unanswered-seconds' }),
      })));
}

/** The "When nobody can answer" fieldset: leave a message or hide, and who gets left messages. */
export function offlineFields(site) {
  return h('fieldset', { class: 'form-section', 'data-test': 'site-offline' },
    h('legend', {}, t('site.offline.title')),
    h('p', { class: 'hint' }, t('site.offline.hint')),
    h('div', { class: 'form-grid' },
      field({
        label: t('site.offline.mode'),
        control: select({ name: 'offline_mode', 'data-test': 'site-offline-mode' },
          OFFLINE_MODES.map((mode) => [mode, t(`site.offline.mode.${mode}`)]), site.offline_mode || 'leave_message'),
      }),
      field({
        label: t('site.offline.notifyEmail'), hint: t('site.offline.notifyEmail.hint'),
        control: input({ name: 'notify_email', type: 'email', value: site.notify_email ?? '', maxlength: '254',
          autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', placeholder: 'service@example.com',
          'data-test': 'site-notify-email' }),
      })));
}
