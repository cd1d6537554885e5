// Client-side form rules mirroring docs/api.md field limits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkHttpUrl, checkLogin, checkName, checkOptionalName, checkPassword, checkThemeColor, length,
  originOf, parseOrigins, safeHttpUrl, validateLogin, validatePasswordChange, validateSetup,
  validateSite, validateUser,
} from '../../webui/js/validation.js';

const keyOf = (failure) => failure && failure.key;

test('login: e-mail or letters, digits, dot, underscore, hyphen; 3–100', () => {
  for (const ok of ['boss@example.com', 'wang.li', 'agent_1', 'a-b', '王小明', 'abc']) {
    assert.equal(checkLogin(ok), null, ok);
  }
  assert.equal(keyOf(checkLogin('')), 'validation.required');
  assert.equal(keyOf(checkLogin('ab')), 'validation.loginLength');
  assert.equal(keyOf(checkLogin('a'.repeat(101))), 'validation.loginLength');
  assert.equal(checkLogin('a'.repeat(100)), null);
  for (const bad of ['has space', 'semi;colon', 'a@b@', '<b>x']) {
    assert.equal(keyOf(checkLogin(bad)), 'validation.loginChars', bad);
  }
});

test('names: 1–80 after trimming, counted in code points, no control characters', () => {
  assert.equal(keyOf(checkName('   ')), 'validation.required');
  assert.equal(checkName('  悦齿口腔  '), null);
  assert.equal(checkName('字'.repeat(80)), null);
  assert.equal(keyOf(checkName('字'.repeat(81))), 'validation.tooLong');
  assert.equal(checkName('😀'.repeat(80)), null, 'astral characters count once');
  assert.equal(length('😀😀'), 2);
  assert.equal(keyOf(checkName('a\u0007b')), 'validation.controlChars');
  assert.equal(checkOptionalName(''), null);
});

test('password: 8–256 characters', () => {
  assert.equal(keyOf(checkPassword('')), 'validation.required');
  assert.deepEqual(checkPassword('1234567'), { key: 'validation.passwordShort', params: { min: 8 } });
  assert.equal(checkPassword('12345678'), null);
  assert.equal(checkPassword('x'.repeat(256)), null);
  assert.equal(keyOf(checkPassword('x'.repeat(257))), 'validation.tooLong');
});

test('URLs must be http(s)', () => {
  assert.equal(checkHttpUrl('https://www.example.com'), null);
  assert.equal(checkHttpUrl('http://192.168.1.2:8080/path'), null);
  assert.equal(keyOf(checkHttpUrl('')), 'validation.required');
  assert.equal(checkHttpUrl('', { optional: true }), null);
  for (const bad of ['www.example.com', 'javascript:alert(1)', 'ftp://x.com', 'https://', 'data:text/html,x']) {
    assert.equal(keyOf(checkHttpUrl(bad)), 'validation.httpUrl', bad);
  }
  assert.equal(keyOf(checkHttpUrl(`https://e.com/${'a'.repeat(500)}`)), 'validation.tooLong');
});

test('safeHttpUrl keeps only http(s) links', () => {
  assert.equal(safeHttpUrl('https://e.com/a?b'), 'https://e.com/a?b');
  assert.equal(safeHttpUrl(' HTTP://E.com '), 'http://e.com/');
  for (const bad of ['javascript:alert(1)', ' javascript:x', 'data:x', '//evil.com', '', null, undefined]) {
    assert.equal(safeHttpUrl(bad), null, String(bad));
  }
});

test('origins: one per line, no path, trailing slash forgiven, deduplicated', () => {
  assert.deepEqual(parseOrigins('https://a.com\n\n  http://b.com:8080/ \nhttps://a.com'),
    { origins: ['https://a.com', 'http://b.com:8080'], error: null });
  assert.deepEqual(parseOrigins(''), { origins: [], error: null });
  const { error } = parseOrigins('https://a.com/path');
  assert.deepEqual(error, { key: 'validation.origin', params: { value: 'https://a.com/path' } });
  assert.equal(keyOf(parseOrigins('a.com').error), 'validation.origin');
  const many = Array.from({ length: 51 }, (_, i) => `https://s${i}.com`).join('\n');
  assert.equal(keyOf(parseOrigins(many).error), 'validation.tooManyOrigins');
  assert.equal(originOf('https://www.e.com/a/b'), 'https://www.e.com');
  assert.equal(originOf('nope'), null);
});

test('theme colour is #rrggbb', () => {
  assert.equal(checkThemeColor('#1A2b3c'), null);
  for (const bad of ['#fff', 'red', '#12345g', '']) assert.equal(keyOf(checkThemeColor(bad)), 'validation.color');
});

const goodSetup = {
  setup_code: '7KQM-2XPD-9RTA', company_name: '悦齿口腔', login: 'boss@example.com', display_name: '王老板',
  password: 'long enough', password2: 'long enough', site_name: '官网', site_url: 'https://www.example.com',
};

test('setup form: valid input passes, failures come in form order', () => {
  assert.deepEqual(validateSetup(goodSetup), []);
  const failures = validateSetup({ ...goodSetup, setup_code: ' ', password2: 'other', site_url: 'x' });
  assert.deepEqual(failures.map((f) => f.field), ['setup_code', 'password2', 'site_url']);
  assert.equal(failures[1].key, 'validation.passwordMismatch');
});

test('login form only needs both fields filled', () => {
  assert.deepEqual(validateLogin({ login: 'x', password: 'y' }), []);
  assert.deepEqual(validateLogin({ login: ' ', password: '' }).map((f) => f.field), ['login', 'password']);
});

const goodSite = {
  name: '官网', url: 'https://e.com', display_name: '', logo_url: '', greeting: '你好',
  theme_color: '#2563eb', widget_position: 'right', language: 'zh-CN', allowed_origins: '',
};

test('site form', () => {
  assert.deepEqual(validateSite(goodSite), []);
  const failures = validateSite({ ...goodSite, logo_url: 'javascript:x', widget_position: 'top',
    language: 'fr', greeting: 'x'.repeat(501) });
  assert.deepEqual(failures.map((f) => f.field), ['logo_url', 'greeting', 'widget_position', 'language']);
});

test('user form: login and password only when creating', () => {
  const user = { login: 'li', display_name: '', role: 'agent', password: 'short' };
  assert.deepEqual(validateUser(user, { isNew: true }).map((f) => f.field), ['login', 'display_name', 'password']);
  assert.deepEqual(validateUser(user, { isNew: false }).map((f) => f.field), ['display_name']);
});

test('password change needs the current password and a matching new one', () => {
  assert.deepEqual(validatePasswordChange({ current_password: 'a', new_password: '12345678', new_password2: '12345678' }), []);
  assert.deepEqual(
    validatePasswordChange({ current_password: '', new_password: '1', new_password2: '2' }).map((f) => f.field),
    ['current_password', 'new_password', 'new_password2']);
});
