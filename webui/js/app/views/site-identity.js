// Visitor identity verification: what the site's secret is for, whether it has one, and a new one.
import { h } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { fieldId, setBusy } from '../../forms.js';
import { t } from '../../i18n.js';
import { openDialog } from '../dialog.js';
import { button, section } from './common.js';
import { copyButton } from './site-snippet.js';

// Code, not prose: the page's call, then the signature in three common server languages.
const EXAMPLE = [
  "kefu('identify', { user_id: '10086', signature: '…' });",
  '',
  '// Node.js',
  "crypto.createHmac('sha256', secret).update(userId).digest('hex')",
  '# Python',
  'hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()',
  '// PHP',
  "hash_hmac('sha256', $userId, $secret)",
].join('\n');

/** The box showing a newly generated `secret`, which the server never shows again. */
function secretReveal(secret) {
  const note = h('p', { class: 'secret-note', id: fieldId('identity-secret-note') }, t('identity.once'));
  const box = h('textarea', { class: 'secret-box', rows: '2', readOnly: true, spellcheck: 'false',
    autocomplete: 'off', autocapitalize: 'none', 'aria-labelledby': note.id, 'data-test': 'site-identity-secret',
    textContent: secret });
  const [copy, status] = copyButton(box, t('identity.copy'), 'site-identity-secret-copy');
  return h('div', { class: 'secret-reveal' }, note, box, h('div', { class: 'snippet-actions' }, copy, status));
}

/** The identity-verification card of `site`: explanation, whether a secret is set, and a new one. */
export function identityPanel(ctx, site) {
  let hasSecret = site.has_identity_secret === true;
  const state = h('p', { class: 'identity-state', 'data-test': 'site-identity-state' });
  const slot = h('div', {});
  const showState = () => {
    state.textContent = t(hasSecret ? 'identity.set' : 'identity.none');
    state.dataset.hasSecret = String(hasSecret);
  };

  async function generate() {
    const result = await ctx.api.post(`/api/sites/${site.id}/identity-secret`, {});
    hasSecret = true;
    showState();
    slot.replaceChildren(secretReveal(result.identity_secret));
    slot.querySelector('textarea').focus();
  }

  const generateButton = button(t('identity.generate'), async () => {
    if (hasSecret) {
      // The old secret stops working at once, and with it every signature the website computes.
      await openDialog({
        title: t('identity.confirm.title'), message: t('identity.confirm.message'),
        okLabel: t('identity.generate'), danger: true, onConfirm: generate,
      });
      return;
    }
    setBusy(generateButton, true);
    try {
      await generate();
    } catch (error) {
      ctx.notify(errorMessage(error, t), 'error');
    } finally {
      setBusy(generateButton, false);
    }
  }, { test: 'site-identity-secret-generate' });

  showState();
  return section(t('identity.title'), [
    h('pre', { class: 'code-box code-box-small' }, h('code', {}, EXAMPLE)),
    h('div', { class: 'snippet-actions' }, state, h('span', { class: 'spacer' }), generateButton),
    slot,
  ], { description: t('identity.description'), test: 'identity-panel' });
}
