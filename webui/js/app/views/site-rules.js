// A site's invitation rules (owner/admin): list, create, edit, enable/disable and delete, every condition of api.md.
import { h } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { field, fieldId, input, select } from '../../forms.js';
import { t } from '../../i18n.js';
import { SOURCE_KINDS } from '../../console/live-visitors.js';
import { conditionsSummary, NUMBER_CONDITIONS, ruleBody, ruleValues, TEXT_CONDITIONS } from '../../invitation-rules.js';
import { openDialog } from '../dialog.js';
import { button, section } from './common.js';
import { teamOptions, teamsForSite } from './site-routing.js';

const NUMBER_LIMITS = { time_on_page_seconds: [0, 86400], time_on_site_seconds: [0, 86400], min_visits: [1, 10000], min_pages: [1, 10000] };

function checkBox(name, label, isChecked, test, value = 'on') {
  const id = fieldId(name);
  return h('div', { class: 'check-field' },
    h('input', { type: 'checkbox', id, name, value, checked: isChecked, 'data-test': test }),
    h('label', { for: id }, label));
}

function numberInput(name, value, [min, max], test) {
  return input({ name, type: 'number', inputmode: 'numeric', min: String(min), max: String(max), step: '1', value, 'data-test': test });
}

function ruleFields(values, teams) {
  const condition = (name) => `conditions.${name}`;
  return [
    h('div', { class: 'form-grid rule-form' },
      field({ label: t('rules.name'), control: input({ name: 'name', maxlength: '80', value: values.name, 'data-test': 'rule-name' }) }),
      field({ label: t('rules.team'), hint: t('rules.team.hint'),
        control: select({ name: 'team_id', 'data-test': 'rule-team' }, teamOptions(teams, t('rules.team.any')), values.team_id) }),
      field({ label: t('rules.message'), hint: t('rules.message.hint'), wide: true,
        control: h('textarea', { name: 'message', rows: '2', maxlength: '500', 'data-test': 'rule-message', textContent: values.message }) })),
    h('fieldset', { class: 'form-section' },
      h('legend', {}, t('rules.conditions')),
      h('p', { class: 'hint' }, t('rules.conditions.hint')),
      h('div', { class: 'form-grid' },
        NUMBER_CONDITIONS.map((name) => field({ label: t(`rules.condition.${name}`),
          control: numberInput(condition(name), values[name], NUMBER_LIMITS[name], `rule-${name.replaceAll('_', '-')}`) })),
        TEXT_CONDITIONS.map((name) => field({ label: t(`rules.condition.${name}`), hint: t('rules.texts.hint'),
          control: h('textarea', { name: condition(name), rows: '2', 'data-test': `rule-${name.replaceAll('_', '-')}`, textContent: values[name] }) }))),
      h('div', { class: 'check-row', role: 'group', 'aria-label': t('rules.condition.source_kinds') },
        h('span', { class: 'check-row-label' }, t('rules.condition.source_kinds')),
        SOURCE_KINDS.map((kind) => checkBox(condition('source_kinds'), t(`visitors.source.${kind}`),
          values.source_kinds.includes(kind), `rule-source-${kind}`, kind))),
      checkBox(condition('exit_intent'), t('rules.condition.exit_intent'), values.exit_intent, 'rule-exit-intent')),
    h('fieldset', { class: 'form-section' },
      h('legend', {}, t('rules.limits')),
      h('div', { class: 'form-grid' },
        field({ label: t('rules.priority'), hint: t('rules.priority.hint'), control: numberInput('priority', values.priority, [0, 1000], 'rule-priority') }),
        field({ label: t('rules.per_visit_cap'), control: numberInput('per_visit_cap', values.per_visit_cap, [1, 100], 'rule-per-visit-cap') }),
        field({ label: t('rules.per_day_cap'), control: numberInput('per_day_cap', values.per_day_cap, [1, 100], 'rule-per-day-cap') })),
      checkBox('on_phones', t('rules.on_phones'), values.on_phones, 'rule-on-phones'),
      checkBox('enabled', t('rules.enabled'), values.enabled, 'rule-enabled')),
  ];
}

/** The server names a list item ("conditions.url_contains[2]"); the form has one box for the list. */
function plainField(error) {
  if (error && typeof error.field === 'string') error.field = error.field.replace(/\[\d+\]/g, '').replace(/\.\d+$/, '');
  return error;
}

function editRule(ctx, site, teams, rule, onSaved) {
  return openDialog({
    title: rule ? t('rules.edit.title', { name: rule.name }) : t('rules.new.title'),
    okLabel: t('action.save'),
    fields: ruleFields(ruleValues(rule), teams),
    onConfirm: async (values) => {
      const body = ruleBody(values);
      if (!body.name) return [{ field: 'name', key: 'error.invalid.name' }];
      if (!body.message) return [{ field: 'message', key: 'error.invalid.message' }];
      try {
        if (rule) await ctx.api.patch(`/api/invitation-rules/${rule.id}`, body);
        else await ctx.api.post(`/api/sites/${site.id}/invitation-rules`, body);
      } catch (error) {
        throw plainField(error);
      }
      ctx.notify(t('rules.saved'));
      await onSaved();
      return [];
    },
  });
}

function ruleRow(ctx, rule, teams, actions) {
  const team = teams.find((item) => item.id === rule.team_id);
  return h('tr', { 'data-test': 'rule-row', 'data-id': rule.id, class: rule.enabled ? '' : 'is-inactive' },
    h('td', {}, h('strong', {}, rule.name), h('div', { class: 'muted' }, rule.message)),
    h('td', { 'data-test': 'rule-summary' }, conditionsSummary(rule.conditions, t),
      h('div', { class: 'muted' }, t('rules.caps', { priority: rule.priority, visit: rule.per_visit_cap, day: rule.per_day_cap }),
        team ? ` · ${team.name}` : '', rule.on_phones ? ` · ${t('rules.on_phones.short')}` : '')),
    h('td', {}, h('span', { class: `badge ${rule.enabled ? 'badge-active' : 'badge-inactive'}` },
      t(rule.enabled ? 'rules.on' : 'rules.off'))),
    h('td', {}, h('div', { class: 'row-actions' },
      button(t('action.edit'), () => actions.edit(rule), { kind: 'small', test: 'rule-edit' }),
      button(t(rule.enabled ? 'rules.disable' : 'rules.enable'), () => actions.toggle(rule), { kind: 'small', test: 'rule-toggle' }),
      button(t('rules.delete'), () => actions.remove(rule), { kind: 'small danger', test: 'rule-delete' }))));
}

/** The invitation-rules card of `site`; `teams` are every team (those serving the site are offered). */
export function rulesPanel(ctx, site, allTeams) {
  const teams = teamsForSite(allTeams, site.id);
  const body = h('div', {});
  const fail = (error) => ctx.notify(errorMessage(error, t), 'error');

  async function load() {
    try {
      const { rules } = await ctx.api.get(`/api/sites/${site.id}/invitation-rules`);
      draw(rules);
    } catch (error) {
      body.replaceChildren(h('p', { role: 'alert' }, errorMessage(error, t)));
    }
  }
  const actions = {
    edit: (rule) => editRule(ctx, site, teams, rule, load).catch(fail),
    toggle: (rule) => ctx.api.patch(`/api/invitation-rules/${rule.id}`, { enabled: !rule.enabled }).then(load, fail),
    remove: (rule) => openDialog({
      title: t('rules.delete.title', { name: rule.name }), message: t('rules.delete.message'), okLabel: t('rules.delete'),
      danger: true, onConfirm: async () => {
        await ctx.api.delete(`/api/invitation-rules/${rule.id}`);
        await load();
      },
    }).catch(fail),
  };

  function draw(rules) {
    body.replaceChildren(rules.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'data-test': 'rule-table' },
      h('thead', {}, h('tr', {}, [t('rules.name'), t('rules.conditions'), t('rules.state'), t('user.actions')]
        .map((label) => h('th', { scope: 'col' }, label)))),
      h('tbody', {}, rules.map((rule) => ruleRow(ctx, rule, teams, actions)))))
      : h('p', { class: 'muted', 'data-test': 'rules-empty' }, t('rules.empty')));
  }

  load();
  return section(t('rules.title'), [
    h('div', { class: 'snippet-actions' }, h('span', { class: 'spacer' }),
      button(t('rules.new'), () => actions.edit(null), { kind: 'primary small', test: 'rule-new' })),
    body,
  ], { description: t('rules.description'), test: 'rules-panel' });
}
