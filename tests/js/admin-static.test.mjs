// The admin pages' hooks exist in the sources, and their run-time message keys exist.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CATALOGS } from '../../webui/js/i18n.js';

const JS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'webui', 'js');
const source = readdirSync(JS, { withFileTypes: true, recursive: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
  .map((entry) => readFileSync(join(entry.parentPath ?? entry.path, entry.name), 'utf8')).join('\n');

const HOOKS = [
  'team-row', 'new-team', 'team-name', 'team-site', 'team-member', 'team-save', 'team-delete',
  'site-routing-strategy', 'site-fallback-team', 'site-unanswered-seconds',
  'category-row', 'new-category', 'category-name', 'category-team', 'category-save', 'category-delete',
  'site-hours-enabled', 'site-hours-timezone', 'site-holidays', 'site-extra-open', 'site-offline-mode',
  'site-notify-email', ...['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => `site-hours-${day}`),
  'smtp-host', 'smtp-port', 'smtp-security', 'smtp-user', 'smtp-password', 'smtp-from', 'smtp-save',
  'smtp-test-to', 'smtp-test-send', 'smtp-test-result', 'company-max-chats', 'user-max-chats',
];

test('every admin hook is in the sources', () => {
  assert.deepEqual(HOOKS.filter((hook) => !source.includes(`'${hook}'`)), []);
});

test('the nav ids teams and mail are declared', () => {
  assert.match(source, /id: 'teams', label: 'nav.teams'/);
  assert.match(source, /id: 'mail', label: 'nav.mail'/);
});

test('run-time admin keys exist for every value they are built from', () => {
  const dynamic = [
    ...['least_busy', 'round_robin', 'previous_first', 'manual']
      .flatMap((s) => [`site.routing.strategy.${s}`, `site.routing.strategy.${s}.hint`]),
    ...['leave_message', 'hide'].map((mode) => `site.offline.mode.${mode}`),
    ...['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => `site.hours.day.${day}`),
    ...['none', 'starttls', 'tls'].map((mode) => `smtp.security.${mode}`),
  ];
  assert.deepEqual(dynamic.filter((key) => !Object.hasOwn(CATALOGS['zh-CN'], key)), []);
});
