// Static checks on webui/: CSP-safe pages, no HTML injection sinks, imports resolve, hooks exist.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const WEBUI = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'webui');

function files(extension) {
  return readdirSync(WEBUI, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(extension))
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

const read = (path) => readFileSync(path, 'utf8');
const name = (path) => relative(WEBUI, path);

test('the three pages exist', () => {
  for (const page of ['setup.html', 'login.html', 'app.html', '__init__.py']) assert.ok(existsSync(join(WEBUI, page)), page);
});

test('pages obey the CSP: no inline scripts, handlers or style attributes, nothing external', () => {
  for (const path of files('.html')) {
    const html = read(path);
    for (const [tag] of html.matchAll(/<script\b[^>]*>/g)) {
      assert.match(tag, /\bsrc="\/ui\/[^"]+\.js"/, `${name(path)}: ${tag}`);
      assert.match(tag, /type="module"/, `${name(path)}: ${tag}`);
    }
    assert.doesNotMatch(html, /<script\b[^>]*>[^<\s]/, `${name(path)} has inline script`);
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `${name(path)} has an inline handler`);
    assert.doesNotMatch(html, /\sstyle\s*=/i, `${name(path)} has a style attribute`);
    assert.doesNotMatch(html, /<style\b/i, `${name(path)} has a <style> block`);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//i, `${name(path)} loads something external`);
  }
});

test('scripts never build HTML from strings or set style attributes', () => {
  const sinks = /\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\(\s*'style'|\bstyle:\s/;
  for (const path of files('.js')) assert.doesNotMatch(read(path), sinks, name(path));
});

test('every module and stylesheet starts with a one-line comment and stays small', () => {
  for (const path of [...files('.js'), ...files('.css')]) {
    const text = read(path);
    const first = text.split('\n')[0];
    assert.match(first, path.endsWith('.css') ? /^\/\* .+ \*\/$/ : /^\/\/ \S/, name(path));
    assert.ok(text.split('\n').length <= 400, `${name(path)} is over 400 lines`);
  }
});

test('relative imports resolve to files', () => {
  for (const path of files('.js')) {
    for (const [, target] of read(path).matchAll(/\bfrom\s+'([^']+)'/g)) {
      assert.ok(target.startsWith('.'), `${name(path)} imports ${target}`);
      assert.ok(existsSync(resolve(dirname(path), target)), `${name(path)} imports missing ${target}`);
    }
  }
});

test('every /ui/ path referenced exists in webui/', () => {
  for (const path of [...files('.html'), ...files('.js')]) {
    for (const [, target] of read(path).matchAll(/["'`]\/ui\/([^"'`]+)["'`]/g)) {
      assert.ok(existsSync(join(WEBUI, target)), `${name(path)} references /ui/${target}`);
    }
  }
});

test('the agreed data-test hooks are all present', () => {
  const source = [...files('.html'), ...files('.js')].map(read).join('\n');
  const hooks = ['setup-code', 'company-name', 'owner-login', 'owner-display-name', 'owner-password',
    'owner-password2', 'site-name', 'site-url', 'setup-submit', 'login', 'password', 'login-submit', 'error',
    'snippet', 'copy-snippet', 'nav-sites', 'nav-users', 'nav-company', 'nav-account', 'nav-console', 'logout',
    'lang-switch', 'user-row', 'user-deactivate', 'user-activate', 'user-reset-password', 'user-edit',
    'new-user', 'user-login', 'user-display-name', 'user-role', 'user-password', 'user-save', 'confirm-ok',
    'session-ended', 'console', 'site-row', 'new-site', 'site-save'];
  const navIds = ['sites', 'users', 'company', 'account', 'console'];
  const missing = hooks.filter((hook) => {
    if (hook.startsWith('nav-') && navIds.includes(hook.slice(4))) return !source.includes('`nav-${item.id}`');
    return ![`data-test="${hook}"`, `'data-test': '${hook}'`, `test: '${hook}'`].some((form) => source.includes(form));
  });
  assert.deepEqual(missing, []);
});

test("no list is joined with a hard-coded 、 (English would show it): i18n.js formatList lists the UI language's way", () => {
  for (const path of files('.js')) assert.doesNotMatch(read(path), /\.join\(\s*'、'\s*\)/, name(path));
});

test('no placeholder is written in Chinese in a view: placeholders come from the catalogues', () => {
  for (const path of files('.js').filter((file) => !name(file).startsWith('js/messages/'))) {
    assert.doesNotMatch(read(path), /placeholder: '[^']*[\u4e00-\u9fff]/, name(path));
  }
});
