// The site's answer bot (owner/admin): off, first (answers before a person) or only when nobody can answer; and its name.
import { h } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { errorBox, field, input, select, setBusy, showFormError } from '../../forms.js';
import { t } from '../../i18n.js';
import { BOT_MODES, defaultBotName, KB_LIMITS } from '../../kb/entries.js';
import { hrefFor } from '../../routes.js';
import { hasControlChars, length } from '../../validation.js';
import { button, section } from './common.js';

/** The bot name box's placeholder: the name visitors of a site of `language` see when it is left empty. */
export function botNamePlaceholder(language) {
  return t('site.bot.name.placeholder', { name: defaultBotName(language) });
}

/** The bot's panel of a site whose visitors are spoken to in `language` (the default name depends on it). */
export function botPanel(ctx, bot, language) {
  const mode = select({ name: 'mode', 'data-test': 'site-bot-mode' },
    BOT_MODES.map((value) => [value, t(`site.bot.mode.${value}`)]), bot.mode);
  const modeField = field({ label: t('site.bot.mode'), hint: ' ', control: mode });
  const explain = () => { modeField.querySelector('.hint').textContent = t(`site.bot.mode.${mode.value}.hint`); };
  mode.addEventListener('change', explain);
  explain();
  const name = input({ name: 'name', value: bot.name, maxlength: String(KB_LIMITS.botNameMax + 10), 'data-test': 'site-bot-name',
    placeholder: botNamePlaceholder(language), autocomplete: 'off' });
  const save = button(t('action.save'), null, { kind: 'primary', type: 'submit', test: 'site-bot-save' });
  const form = h('form', { class: 'form', novalidate: true, 'data-test': 'site-bot' },
    errorBox(),
    h('div', { class: 'form-grid' }, modeField, field({ label: t('site.bot.name'), hint: t('site.bot.name.hint'), control: name })),
    h('div', { class: 'form-actions' }, save,
      h('a', { class: 'button button-quiet', href: hrefFor('kb') }, t('site.bot.openKb')),
      h('a', { class: 'button button-quiet', href: hrefFor('kb-test') }, t('kb.tab.test'))));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosenName = name.value.trim();
    if (length(chosenName) > KB_LIMITS.botNameMax) return showFormError(form, t('validation.tooLong', { max: KB_LIMITS.botNameMax }), 'name');
    if (hasControlChars(chosenName)) return showFormError(form, t('validation.controlChars'), 'name');
    setBusy(save, true);
    try {
      await ctx.api.patch(`/api/sites/${bot.site_id}/bot`, { mode: mode.value, name: chosenName });
      form.querySelector('[data-test="error"]').hidden = true;
      ctx.notify(t('site.bot.saved'));
    } catch (error) {
      showFormError(form, errorMessage(error, t), ['mode', 'name'].includes(error.field) ? error.field : null);
    } finally {
      setBusy(save, false);
    }
    return undefined;
  });
  return section(t('site.bot.title'), form, { description: t('site.bot.lead'), test: 'site-bot-panel' });
}
