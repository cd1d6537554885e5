// Site form section for business hours: on/off, time zone, each weekday's ranges, holidays, extra days.
import { DAYS, hoursToForm, TIMEZONES } from '../../business-hours.js';
import { h } from '../../dom.js';
import { field, fieldId, input, select } from '../../forms.js';
import { t } from '../../i18n.js';

// Spelled out so that the hooks can be found by searching for them.
const DAY_HOOKS = {
  mon: 'site-hours-mon', tue: 'site-hours-tue', wed: 'site-hours-wed', thu: 'site-hours-thu',
  fri: 'site-hours-fri', sat: 'site-hours-sat', sun: 'site-hours-sun',
};

function zoneSelect(current) {
  const zones = TIMEZONES.includes(current) ? TIMEZONES : [current, ...TIMEZONES];
  return select({ name: 'hours_timezone', 'data-test': 'site-hours-timezone' },
    zones.map((zone) => [zone, zone]), current);
}

function weekFields(fields, hintId) {
  return h('div', { class: 'hours-week', role: 'group', 'aria-label': t('site.hours.week') },
    DAYS.map((day) => {
      const id = fieldId(`hours_${day}`);
      return h('div', { class: 'hours-day' },
        h('label', { for: id }, t(`site.hours.day.${day}`)),
        input({ id, name: `hours_${day}`, value: fields[`hours_${day}`], placeholder: t('site.hours.closed'),
          autocomplete: 'off', spellcheck: 'false', 'aria-describedby': hintId,
          'data-test': DAY_HOOKS[day] }));
    }));
}

/** Show the saved schedule the way the editor writes it ("9:00，13:00" becomes "09:00, 13:00"). */
export function showSavedHours(form, hours) {
  if (!hours || !form.elements.hours_enabled) return;
  for (const [name, value] of Object.entries(hoursToForm(hours))) {
    if (name !== 'hours_enabled' && form.elements[name]) form.elements[name].value = value;
  }
}

/**
 * The "Business hours" fieldset of an existing site's form. Switched off, the site is always
 * open; the editor then keeps (and hides) its contents, so switching back on loses nothing.
 */
export function hoursFields(site) {
  const fields = hoursToForm(site.business_hours);
  const enabledId = fieldId('hours_enabled');
  const hintId = fieldId('hours-week-hint');
  const enabled = h('input', { type: 'checkbox', id: enabledId, name: 'hours_enabled', value: 'on',
    checked: fields.hours_enabled, 'data-test': 'site-hours-enabled' });
  const editor = h('div', { class: 'hours-editor' },
    field({ label: t('site.hours.timezone'), control: zoneSelect(fields.hours_timezone) }),
    weekFields(fields, hintId),
    h('p', { class: 'hint', id: hintId }, t('site.hours.week.hint')),
    h('div', { class: 'form-grid' },
      field({
        label: t('site.hours.holidays'), hint: t('site.hours.holidays.hint'),
        control: h('textarea', { name: 'hours_holidays', rows: '4', spellcheck: 'false', class: 'mono',
          placeholder: '2026-10-01', 'data-test': 'site-holidays', textContent: fields.hours_holidays }),
      }),
      field({
        label: t('site.hours.extraOpen'), hint: t('site.hours.extraOpen.hint'),
        control: h('textarea', { name: 'hours_extra_open', rows: '4', spellcheck: 'false', class: 'mono',
          placeholder: '2026-10-11 09:00-18:00', 'data-test': 'site-extra-open',
          textContent: fields.hours_extra_open }),
      })));
  const showEditor = () => {
    editor.hidden = !enabled.checked;
  };
  enabled.addEventListener('change', showEditor);
  showEditor();
  return h('fieldset', { class: 'form-section', 'data-test': 'site-hours' },
    h('legend', {}, t('site.hours.title')),
    h('div', { class: 'check-field' }, enabled, h('label', { for: enabledId }, t('site.hours.enabled'))),
    h('p', { class: 'hint' }, t('site.hours.enabled.hint')),
    editor);
}
