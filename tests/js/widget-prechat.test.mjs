// Widget pre-chat form rules: which fields to ask, when, and checking the visitor's answers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LIMITS, prechatErrors, prechatIdentity, refusal } from '../../embed/prechat-form.js';
import { fieldsToAsk, prechatFields } from '../../embed/format.js';

const NAME = { field: 'name', required: true };
const EMAIL = { field: 'email', required: false };
const PHONE = { field: 'phone', required: true };

test('site fields are checked: only name, email and phone, each once, at most 3', () => {
  assert.deepEqual(prechatFields([NAME, { field: 'password', required: true }, { field: 'name' }, EMAIL, PHONE, { field: 'x' }]),
    [NAME, EMAIL, PHONE]);
  assert.deepEqual(prechatFields([{ field: 'email', required: 'yes' }]), [EMAIL]);
  for (const junk of [null, undefined, 'name', {}, [null, 4]]) assert.deepEqual(prechatFields(junk), []);
});

test('asked only before the first conversation, once, and not for what the page already said', () => {
  const fields = [NAME, EMAIL];
  assert.deepEqual(fieldsToAsk(fields, { answered: false, conversation: null, identify: null }), fields);
  assert.deepEqual(fieldsToAsk(fields, { answered: true, conversation: null, identify: null }), []);
  assert.deepEqual(fieldsToAsk(fields, { answered: false, conversation: { id: 1 }, identify: null }), []);
  assert.deepEqual(fieldsToAsk(fields, { answered: false, conversation: null, identify: { name: '张三' } }), [EMAIL]);
  assert.deepEqual(fieldsToAsk(fields, { answered: false, conversation: null, identify: { name: '  ' } }), fields);
});

test('answers: required ones must be there, lengths as the server allows, e-mail looks like one', () => {
  const fields = [NAME, EMAIL, PHONE];
  assert.deepEqual(prechatErrors(fields, {}), { name: 'required', phone: 'required' });
  assert.deepEqual(prechatErrors(fields, { name: ' 张三 ', phone: '13800000000' }), {});
  assert.deepEqual(prechatErrors(fields, { name: 'x'.repeat(81), email: 'not-mail', phone: '1'.repeat(41) }),
    { name: 'long', email: 'email', phone: 'long' });
  assert.deepEqual(prechatErrors(fields, { name: 'a', email: 'a@b.cn', phone: '1' }), {});
});

test('answers become identify fields, trimmed, empty ones left out', () => {
  assert.deepEqual(prechatIdentity([NAME, EMAIL, PHONE], { name: ' 张三 ', email: '', phone: '138' }), { name: '张三', phone: '138' });
});

test('answers are refused as the server refuses identify: invisible characters, its limits in characters, its e-mail rule', () => {
  const fields = [NAME, EMAIL, PHONE];
  const ok = { name: '陈先生', phone: '13311112222' };
  // As pasted from apps: a direction override passed the form, the server refused the whole identify.
  assert.deepEqual(prechatErrors(fields, { ...ok, name: '陈\u202e先生' }), { name: 'invalid' });
  for (const bad of ['a\u0000b', 'a\u0085b', 'a\u2028b', 'a\ud800b', 'a\u2069b']) {
    assert.deepEqual(prechatErrors(fields, { ...ok, phone: bad }), { phone: 'invalid' }, JSON.stringify(bad));
  }
  assert.deepEqual(prechatErrors(fields, { ...ok, name: 'می\u200cخواهم 👨\u200d👩\u200d👧' }), {});
  // Lengths in characters (code points), as the server counts: 80 emoji are 160 UTF-16 units.
  assert.deepEqual(LIMITS, { name: 80, email: 254, phone: 40 });
  assert.deepEqual(prechatErrors(fields, { ...ok, name: '😀'.repeat(80) }), {});
  assert.deepEqual(prechatErrors(fields, { ...ok, name: '😀'.repeat(81) }), { name: 'long' });
  // The server's address rule: a top-level name, no double dots, at most 254 (not 200) characters.
  const long = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(58)}.cn`;
  assert.equal(long.length, 254);
  assert.deepEqual(prechatErrors(fields, { ...ok, email: long }), {});
  assert.deepEqual(prechatErrors(fields, { ...ok, email: `a${long}` }), { email: 'long' });
  assert.deepEqual(prechatErrors(fields, { ...ok, email: ' Chen@Example.COM ' }), {});
  for (const bad of ['chen@example', 'a..b@example.com', 'a@-x.com', '陈@example.com', 'a b@example.com', 'a@b@example.com']) {
    assert.deepEqual(prechatErrors(fields, { ...ok, email: bad }), { email: 'email' }, bad);
  }
});

test('a refusal from the server is worded at its field', () => {
  assert.equal(refusal('phone'), 'phone_number');
  assert.equal(refusal('email'), 'email');
  assert.equal(refusal('name'), 'invalid');
});
