import type { Queryable } from '../../src/store/db.ts';
import { ROLES, type Role, ROLE_PERMISSIONS } from '../../src/access/permissions.ts';
import { createApiToken, createUser } from '../../src/access/store.ts';

/**
 * Two organisations and a user for every role in the first, plus a field user and an
 * organisation manager in the second, each with a bearer token carrying all their permissions.
 * `auth(role)` gives the request headers of that user.
 */
export interface Actors {
  organisationA: string;
  organisationB: string;
  userIds: Record<Role | 'field_user_b' | 'organisation_manager_b', string>;
  tokens: Record<Role | 'field_user_b' | 'organisation_manager_b', string>;
  auth(who: Role | 'field_user_b' | 'organisation_manager_b'): { authorization: string };
}

export async function seedActors(db: Queryable): Promise<Actors> {
  const [a] = await db.query<{ id: string }>("INSERT INTO organisation (name, kind) VALUES ('Test Operator A', 'ngo') RETURNING id");
  const [b] = await db.query<{ id: string }>("INSERT INTO organisation (name, kind) VALUES ('Test Operator B', 'commercial') RETURNING id");
  const people: [Role | 'field_user_b' | 'organisation_manager_b', Role, string][] = [
    ...ROLES.map((role) => [role, role, a!.id] as [Role, Role, string]),
    ['field_user_b', 'field_user', b!.id],
    ['organisation_manager_b', 'organisation_manager', b!.id],
  ];
  const userIds = {} as Actors['userIds'];
  const tokens = {} as Actors['tokens'];
  for (const [who, role, organisationId] of people) {
    const user = await createUser(db, { username: `test_${who}`, displayName: `Test ${who}`, organisationId, roles: [role], passwordHash: null });
    userIds[who] = user.id;
    tokens[who] = (await createApiToken(db, user.id, { name: 'test', scopes: ROLE_PERMISSIONS[role] })).token;
  }
  return { organisationA: a!.id, organisationB: b!.id, userIds, tokens, auth: (who) => ({ authorization: `Bearer ${tokens[who]}` }) };
}
