/**
 * Who may do what. Roles are those of the architecture's security model; every API route names
 * the one permission it needs, and the table-driven access test checks every route against every
 * role, so a route cannot be added without a rule.
 */
export const ROLES = ['administrator', 'national_information_officer', 'organisation_manager', 'field_user', 'analyst', 'public'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  /** Aggregate figures, released land, what the instance publishes: anyone, signed in or not. */
  'public.read',
  /** One's own account: password, API tokens, sessions. Every signed-in user has it. */
  'account.self',
  /** Operational data (hazards, activities, finds, records, accidents without identities). */
  'data.read',
  /** Victims' identifying details and reporters' contacts; every read is logged. */
  'restricted.read',
  /** Write and submit reports for one's own organisation. */
  'report.write',
  /** Verify submitted reports (an organisation manager only for their organisation). */
  'report.verify',
  /** Approve or reject reports: national. */
  'report.approve',
  /** Ordnance catalogue, gazetteer, imports of reference layers. */
  'catalogue.write',
  /** Instance settings (display language, country, priority weights). */
  'settings.write',
  /** Users, organisations and roles (an organisation manager only for their organisation). */
  'users.manage',
  /** The audit log. */
  'audit.read',
  /** A snapshot of the whole store (every tier, password hashes, the audit log): administrators. */
  'store.backup',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const read: Permission[] = ['public.read', 'account.self', 'data.read'];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  administrator: PERMISSIONS,
  national_information_officer: [...read, 'restricted.read', 'report.write', 'report.verify', 'report.approve', 'catalogue.write', 'settings.write'],
  organisation_manager: [...read, 'report.write', 'report.verify', 'users.manage'],
  field_user: [...read, 'report.write'],
  analyst: read,
  public: ['public.read'],
};

/** Permissions that act only within the actor's own organisation unless the actor is national. */
export const ORGANISATION_SCOPED: ReadonlySet<Permission> = new Set(['report.write', 'report.verify', 'users.manage']);

export const NATIONAL_ROLES: ReadonlySet<Role> = new Set(['administrator', 'national_information_officer']);

/** The person or machine behind a request; anonymous requests act as the public. */
export interface Actor {
  userId: string | null;
  username: string;
  organisationId: string | null;
  roles: readonly Role[];
  permissions: ReadonlySet<Permission>;
  /** How the request proved who it is. */
  via: 'anonymous' | 'session' | 'token';
}

export function permissionsOf(roles: readonly Role[]): Set<Permission> {
  return new Set(roles.flatMap((role) => ROLE_PERMISSIONS[role]));
}

export const ANONYMOUS: Actor = { userId: null, username: 'anonymous', organisationId: null, roles: ['public'], permissions: permissionsOf(['public']), via: 'anonymous' };

export function isNational(actor: Actor): boolean {
  return actor.roles.some((role) => NATIONAL_ROLES.has(role));
}

/** Whether the actor may use a scoped permission on something belonging to an organisation. */
export function mayActFor(actor: Actor, permission: Permission, organisationId: string | null): boolean {
  if (!actor.permissions.has(permission)) return false;
  if (!ORGANISATION_SCOPED.has(permission) || isNational(actor)) return true;
  return organisationId !== null && organisationId === actor.organisationId;
}
