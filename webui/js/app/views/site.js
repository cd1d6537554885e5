// One site (owner/admin): snippet, chat page, settings, categories and identity; or the short form for a new site.
import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { hrefFor } from '../../routes.js';
import { page, pageHeader, section } from './common.js';
import { botNamePlaceholder, botPanel } from './site-bot.js';
import { categoriesPanel } from './site-categories.js';
import { chatPagePanel } from './site-chat-page.js';
import { siteForm } from './site-form.js';
import { identityPanel } from './site-identity.js';
import { rulesPanel } from './site-rules.js';
import { snippetPanel } from './site-snippet.js';

export async function siteView(ctx, { id }) {
  const isNew = !id;
  const [{ companies }, found, teamList, categoryList, botSettings] = await Promise.all([
    ctx.api.get('/api/companies'),
    isNew ? null : ctx.api.get(`/api/sites/${id}`),
    isNew ? null : ctx.api.get('/api/teams'),
    isNew ? null : ctx.api.get(`/api/sites/${id}/categories`),
    isNew ? null : ctx.api.get(`/api/sites/${id}/bot`),
  ]);
  const back = { href: hrefFor('sites'), label: t('sites.title') };
  if (isNew) {
    const form = siteForm(ctx, {
      site: null,
      companies,
      onSaved: (site) => {
        ctx.notify(t('site.created'));
        ctx.navigate(hrefFor('site', { id: site.id }));
      },
    });
    return page(pageHeader(t('site.newTitle'), { back, lead: t('site.newLead') }), section(null, form));
  }
  const { site } = found;
  const { teams } = teamList;
  const title = h('span', {}, site.name);
  const form = siteForm(ctx, {
    site,
    companies,
    teams,
    onSaved: (saved) => {
      ctx.notify(t('site.saved'));
      title.textContent = saved.name;
      const botName = bot.querySelector('[data-test="site-bot-name"]');
      if (botName) botName.placeholder = botNamePlaceholder(saved.language);
    },
  });
  const chatPage = chatPagePanel(site);
  const bot = botPanel(ctx, botSettings.bot, site.language);
  return page(
    pageHeader(title, { back }),
    snippetPanel(ctx, site, (changed) => chatPage.show(changed)),
    chatPage.panel,
    section(t('site.settings'), form, { className: 'card-flush' }),
    categoriesPanel(ctx, site, teams, categoryList.categories),
    rulesPanel(ctx, site, teams),
    identityPanel(ctx, site),
    bot,
  );
}
