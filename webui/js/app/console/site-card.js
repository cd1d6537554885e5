// A chat's site at a glance: the business card (logo or initial on the site's colour, and its name).
import { h } from '../../dom.js';
import { siteCard } from '../../console/present.js';

/**
 * The card of `site` (`compact`: a coloured mark and the name, for list rows). The colours are set
 * through the CSSOM (custom properties), which the page's CSP allows, never as a style attribute.
 */
export function siteCardNode(site, company, { compact = false } = {}) {
  const card = siteCard(site, company);
  if (!card) return null;
  const mark = h('span', { class: 'site-mark', 'aria-hidden': 'true' }, card.initial);
  if (card.logo && !compact) {
    const logo = h('img', { class: 'site-logo', src: card.logo, alt: '', loading: 'lazy', referrerpolicy: 'no-referrer' });
    logo.addEventListener('error', () => {
      mark.classList.remove('has-logo');
      mark.replaceChildren(card.initial);
    });
    mark.classList.add('has-logo');
    mark.replaceChildren(logo);
  }
  const node = h('span', {
    class: compact ? 'site-card is-compact' : 'site-card', 'data-test': 'site-card', 'data-site-id': card.id,
    title: card.siteName && card.siteName !== card.name ? `${card.name} · ${card.siteName}` : card.name,
  }, mark, h('span', { class: 'site-card-name' }, card.name));
  node.style.setProperty('--site-color', card.color);
  node.style.setProperty('--site-ink', card.ink);
  return node;
}
