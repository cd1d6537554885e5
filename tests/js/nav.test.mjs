// Nav entries and route access by role, and the role rules the users page mirrors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canOpen, defaultRouteFor, navForRole } from '../../webui/js/nav.js';
import {
  assignableRoles, canActivate, canDeactivate, canManageUser, canResetPassword, roleUsesSites,
} from '../../webui/js/roles.js';

const ids = (role) => navForRole(role).map((item) => item.id);

test('managers get the console, visitors, the knowledge base, customers, leads, reports, the live board, sites, users, teams, company, mail, blocks and their account', () => {
  const all = ['console', 'visitors', 'kb', 'customers', 'leads', 'reports', 'board', 'sites', 'users', 'teams', 'company', 'mail', 'blocks', 'account'];
  assert.deepEqual(ids('owner'), all);
  assert.deepEqual(ids('admin'), all);
});

test('supervisors get the console, visitors, the knowledge base, customers, leads, reports, the live board, blocks and their account; agents no board or blocks', () => {
  assert.deepEqual(ids('supervisor'), ['console', 'visitors', 'kb', 'customers', 'leads', 'reports', 'board', 'blocks', 'account']);
  assert.deepEqual(ids('agent'), ['console', 'visitors', 'kb', 'customers', 'leads', 'reports', 'account']);
  assert.ok(!canOpen('agent', 'board'));
  assert.ok(canOpen('agent', 'reports'));
  assert.ok(canOpen('supervisor', 'board'));
});

test('client accounts open their own company reports inside the portal, not the staff reports or the board', () => {
  assert.ok(canOpen('client', 'portal-reports'));
  assert.ok(!canOpen('client', 'reports'));
  assert.ok(!canOpen('client', 'board'));
});

test('client accounts get their portal and their account, and land on the portal', () => {
  assert.deepEqual(ids('client'), ['portal', 'account']);
  assert.equal(defaultRouteFor('client'), 'portal');
  assert.ok(canOpen('client', 'portal-conversation'));
  for (const route of ['console', 'canned', 'customers', 'customer', 'leads', 'sites', 'users', 'company', 'visitors', 'blocks', 'kb', 'kb-entry']) {
    assert.ok(!canOpen('client', route), route);
  }
  assert.ok(!canOpen('agent', 'portal'));
});

test('unknown roles get nothing', () => {
  assert.deepEqual(ids('visitor'), []);
  assert.deepEqual(ids(undefined), []);
});

test('nav items carry labels and hrefs', () => {
  assert.deepEqual(navForRole('agent')[0], { id: 'console', label: 'nav.console', href: '#/console' });
});

test('default landing route: the console for everyone', () => {
  assert.equal(defaultRouteFor('owner'), 'console');
  assert.equal(defaultRouteFor('admin'), 'console');
  assert.equal(defaultRouteFor('agent'), 'console');
  assert.equal(defaultRouteFor('supervisor'), 'console');
});

test('route access follows the nav', () => {
  assert.ok(canOpen('owner', 'site'));
  assert.ok(canOpen('admin', 'user-new'));
  assert.ok(canOpen('owner', 'console'));
  assert.ok(canOpen('agent', 'console'));
  assert.ok(canOpen('agent', 'account'));
  assert.ok(!canOpen('agent', 'sites'));
  assert.ok(!canOpen('supervisor', 'users'));
  assert.ok(!canOpen('agent', 'company'));
  assert.ok(canOpen('admin', 'teams'));
  assert.ok(canOpen('owner', 'mail'));
  assert.ok(!canOpen('supervisor', 'teams'));
  assert.ok(!canOpen('agent', 'mail'));
  assert.ok(canOpen('agent', 'visitors'));
  assert.ok(canOpen('supervisor', 'blocks'));
  assert.ok(!canOpen('agent', 'blocks'));
  assert.ok(!canOpen('owner', 'home'));
  assert.ok(!canOpen('owner', 'not-found'));
});

const owner = { id: 1, role: 'owner', active: true };
const admin = { id: 2, role: 'admin', active: true };
const agent = { id: 3, role: 'agent', active: true };
const retired = { id: 4, role: 'agent', active: false };
const otherOwner = { id: 5, role: 'owner', active: true };

test('only owners may give owner and admin roles; both may make client (portal) accounts', () => {
  assert.deepEqual(assignableRoles('owner'), ['owner', 'admin', 'supervisor', 'agent', 'client']);
  assert.deepEqual(assignableRoles('admin'), ['supervisor', 'agent', 'client']);
  assert.deepEqual(assignableRoles('agent'), []);
});

test('admins manage staff but not owners or admins', () => {
  assert.ok(canManageUser(admin, agent));
  assert.ok(!canManageUser(admin, otherOwner));
  assert.ok(!canManageUser(admin, admin));
  assert.ok(canManageUser(owner, admin));
  assert.ok(canManageUser(owner, otherOwner));
  assert.ok(!canManageUser(agent, retired));
});

test('nobody deactivates or resets themselves here', () => {
  assert.ok(!canDeactivate(owner, owner));
  assert.ok(!canResetPassword(owner, owner));
  assert.ok(canDeactivate(owner, otherOwner));
  assert.ok(canResetPassword(admin, agent));
});

test('deactivate only active users, activate only inactive ones', () => {
  assert.ok(canDeactivate(admin, agent));
  assert.ok(!canDeactivate(admin, retired));
  assert.ok(canActivate(admin, retired));
  assert.ok(!canActivate(admin, agent));
});

test('only staff roles are tied to sites', () => {
  assert.ok(roleUsesSites('agent'));
  assert.ok(roleUsesSites('supervisor'));
  assert.ok(!roleUsesSites('admin'));
  assert.ok(!roleUsesSites('owner'));
});
