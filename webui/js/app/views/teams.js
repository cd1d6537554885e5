// Teams page (owner/admin): groups of agents for a site or all sites, used by categories and fallback.
import { h } from '../../dom.js';
import { errorMessage, resolveField } from '../../errors.js';
import { errorBox, field, fieldId, formValues, input, reportValidation, select, setBusy, showFormError } from '../../forms.js';
import { t } from '../../i18n.js';
import { teamBody, teamMemberChoices } from '../../payloads.js';
import { validateTeam } from '../../validation.js';
import { openDialog } from '../dialog.js';
import { button, emptyState, page, pageHeader } from './common.js';

function memberChecklist(users, team, siteId) {
  const choices = teamMemberChoices(users, team, siteId);
  if (!choices.length) return h('p', { class: 'hint' }, t('team.members.none'));
  return h('ul', { class: 'checklist' }, choices.map((choice) => {
    const id = fieldId(`team-member-${choice.id}`);
    return h('li', {},
      h('input', { type: 'checkbox', id, name: 'member_ids', value: String(choice.id), checked: choice.checked,
        'data-test': 'team-member', 'data-user-id': choice.id }),
      h('label', { for: id }, choice.name,
        choice.active ? null : h('span', { class: 'muted' }, ` (${t('user.inactive')})`)));
  }));
}

function siteSelect(sites, team) {
  return select({ name: 'site_id', 'data-test': 'team-site' },
    [['', t('team.allSites')], ...sites.map((site) => [String(site.id), site.name])],
    team?.site_id ? String(team.site_id) : '');
}

/** One team as a form card; `team` null for a new one. `onGone()` after it is deleted or dropped. */
function teamCard(ctx, { team, users, sites, onGone }) {
  const save = h('button', { type: 'submit', class: 'button button-primary', 'data-test': 'team-save' },
    t(team ? 'action.save' : 'team.create'));
  const remove = button(t('team.delete'), () => removeTeam(), { kind: 'danger', test: 'team-delete' });
  const form = h('form', { class: 'form', novalidate: true },
    errorBox(),
    h('div', { class: 'form-grid' },
      field({ label: t('team.name'), control: input({ name: 'name', value: team?.name ?? '', maxlength: '80',
        'data-test': 'team-name' }) }),
      field({ label: t('team.site'), hint: t('team.site.hint'), control: siteSelect(sites, team) })),
    h('fieldset', { class: 'form-section' },
      h('legend', {}, t('team.members')),
      h('p', { class: 'hint' }, t('team.members.hint')),
      memberChecklist(users, team, team?.site_id ?? null)),
    h('div', { class: 'form-actions' }, remove, h('span', { class: 'spacer' }), save));
  const card = h('li', { class: 'card team-card', 'data-test': 'team-row' }, form);
  // Another site: only who serves it may be a member (the server refuses anyone else); the ticks of those still offered stay.
  form.elements.site_id.addEventListener('change', () => {
    const ticked = [...form.querySelectorAll('[name="member_ids"]:checked')].map((box) => Number(box.value));
    const siteId = form.elements.site_id.value ? Number(form.elements.site_id.value) : null;
    form.querySelector('fieldset').lastChild.replaceWith(memberChecklist(users, { member_ids: ticked }, siteId));
  });
  const mark = () => {
    if (team) card.dataset.teamId = String(team.id);
  };
  mark();

  async function removeTeam() {
    if (!team) {
      card.remove();
      onGone();
      return;
    }
    const removed = await openDialog({
      title: t('team.delete.title', { name: team.name }), message: t('team.delete.message'),
      okLabel: t('team.delete'), danger: true,
      onConfirm: () => ctx.api.delete(`/api/teams/${team.id}`),
    }).catch((error) => ctx.notify(errorMessage(error, t), 'error'));
    if (!removed) return;
    card.remove();
    onGone();
    ctx.notify(t('team.deleted', { name: team.name }));
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = formValues(form);
    if (!reportValidation(form, validateTeam(values))) return;
    setBusy(save, true);
    try {
      const body = teamBody(values);
      const result = team ? await ctx.api.patch(`/api/teams/${team.id}`, body) : await ctx.api.post('/api/teams', body);
      team = result.team;
      save.textContent = t('action.save');
      mark();
      ctx.notify(t('team.saved', { name: team.name }));
    } catch (error) {
      showFormError(form, errorMessage(error, t), resolveField(error.field, ['name', 'site_id', 'member_ids']));
    } finally {
      setBusy(save, false);
    }
  });
  return card;
}

export async function teamsView(ctx) {
  const [{ teams }, { users }, { sites }] = await Promise.all([
    ctx.api.get('/api/teams'), ctx.api.get('/api/users'), ctx.api.get('/api/sites'),
  ]);
  const list = h('ul', { class: 'team-list', 'data-test': 'team-list' });
  const empty = emptyState(t('teams.empty'), t('teams.emptyHint'), { icon: 'user' });
  const refresh = () => {
    empty.hidden = list.childElementCount > 0;
  };
  const add = (team) => teamCard(ctx, { team, users, sites, onGone: refresh });
  list.append(...[...teams].sort((a, b) => a.name.localeCompare(b.name)).map(add));
  refresh();
  const newTeam = button(t('teams.new'), () => {
    const card = add(null);
    list.prepend(card);
    refresh();
    card.querySelector('input').focus();
  }, { kind: 'primary', test: 'new-team' });
  return page(pageHeader(t('teams.title'), { lead: t('teams.lead'), actions: [newTeam] }), empty, list);
}
