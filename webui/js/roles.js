// Role rules the UI mirrors (the server enforces them): who may manage whom, which roles to offer.

export const ROLES = ['owner', 'admin', 'supervisor', 'agent', 'client'];

export function isManager(role) {
  return role === 'owner' || role === 'admin';
}

/** Supervisors and agents only see the sites they are assigned to; managers see all. */
export function roleUsesSites(role) {
  return role === 'supervisor' || role === 'agent';
}

/** Roles `actorRole` may give to a user: only an owner may create owners and admins. */
export function assignableRoles(actorRole) {
  if (actorRole === 'owner') return [...ROLES];
  if (actorRole === 'admin') return ['supervisor', 'agent', 'client'];
  return [];
}

/** Whether `actor` may edit, reset or (de)activate `target` at all. */
export function canManageUser(actor, target) {
  if (!actor || !target || !isManager(actor.role)) return false;
  return isManager(target.role) ? actor.role === 'owner' : true;
}

export function canDeactivate(actor, target) {
  return canManageUser(actor, target) && target.active && target.id !== actor.id;
}

export function canActivate(actor, target) {
  return canManageUser(actor, target) && !target.active;
}

/** A client account (the portal) belongs to one company and serves no site. */
export function roleUsesCompany(role) {
  return role === 'client';
}

/** Own password changes go through "My account", which asks for the current one. */
export function canResetPassword(actor, target) {
  return canManageUser(actor, target) && target.id !== actor.id;
}
