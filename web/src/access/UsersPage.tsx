/** User administration: who may sign in, for which organisation, in which roles. */
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { messageOf, useAction, useLoad } from '../data.ts';
import { formatDateTime, t } from '../i18n/index.ts';
import { useSession } from '../session.ts';
import { type Organisation, type Role, ROLES } from '../types.ts';
import { Checkboxes, ErrorMessage, Field, Select, Show, Table } from '../ui.tsx';

interface UserListing {
  id: string;
  username: string;
  displayName: string;
  organisationId: string | null;
  roles: Role[];
  active: boolean;
  lockedUntil: string | null;
}

export function UsersPage() {
  const [users, reload] = useLoad(() => api.get<{ users: UserListing[] }>('/api/users').then((a) => a.users), []);
  const [organisations] = useLoad(() => api.get<{ organisations: Organisation[] }>('/api/organisations').then((a) => a.organisations), []);
  const names = new Map(organisations.state === 'ready' ? organisations.value.map((o) => [o.id, o.name]) : []);
  const { error, run } = useAction();
  const setActive = (user: UserListing, active: boolean) =>
    run(async () => {
      await api.patch(`/api/users/${user.id}`, { active });
      reload();
    });

  return (
    <section class="page">
      <h1>{t('users.title')}</h1>
      {error ? <ErrorMessage message={error} /> : null}
      <Show loaded={users}>
        {(list) => (
          <Table
            rows={list}
            rowKey={(u) => u.id}
            columns={[
              { heading: t('login.username'), cell: (u) => u.username },
              { heading: t('users.displayName'), cell: (u) => u.displayName },
              { heading: t('field.organisation'), cell: (u) => (u.organisationId ? (names.get(u.organisationId) ?? u.organisationId) : '—') },
              { heading: t('users.roles'), cell: (u) => u.roles.map((r) => t(`role.${r}`)).join(', ') },
              {
                heading: t('users.state'),
                cell: (u) => (
                  <>
                    {u.active ? t('users.active') : t('users.inactive')}
                    {u.lockedUntil ? ` · ${t('users.lockedUntil', { when: formatDateTime(u.lockedUntil) })}` : ''}{' '}
                    <button type="button" class="link-button" onClick={() => void setActive(u, !u.active)}>
                      {u.active ? t('users.deactivate', { username: u.username }) : t('users.activate', { username: u.username })}
                    </button>
                  </>
                ),
              },
            ]}
          />
        )}
      </Show>
      <NewUser organisations={organisations.state === 'ready' ? organisations.value : []} onCreated={reload} />
    </section>
  );
}

function NewUser({ organisations, onCreated }: { organisations: Organisation[]; onCreated: () => void }) {
  const { actor } = useSession();
  const administrator = actor.roles.includes('administrator');
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [organisationId, setOrganisationId] = useState(actor.organisationId ?? '');
  const [roles, setRoles] = useState<Role[]>(['field_user']);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  const grantable = ROLES.filter((r) => administrator || (r !== 'administrator' && r !== 'national_information_officer'));

  async function submit(event: Event) {
    event.preventDefault();
    setError(null);
    if (roles.length === 0) {
      setError(t('users.needRole'));
      return;
    }
    try {
      await api.post('/api/users', { username, displayName, organisationId: organisationId || null, roles, password });
      setCreated(username);
      setUsername('');
      setDisplayName('');
      setPassword('');
      onCreated();
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  return (
    <form class="card" onSubmit={submit} aria-labelledby="new-user">
      <h2 id="new-user">{t('users.new')}</h2>
      <Field label={t('login.username')} value={username} required autocomplete="off" hint={t('users.usernameHint')} onInput={setUsername} />
      <Field label={t('users.displayName')} value={displayName} required onInput={setDisplayName} />
      <Select label={t('field.organisation')} value={organisationId} options={[{ value: '', label: t('common.none') }, ...organisations.map((o) => ({ value: o.id, label: o.name }))]} onChange={setOrganisationId} />
      <Checkboxes legend={t('users.roles')} values={grantable} chosen={roles} label={(r) => t(`role.${r}`)} onChange={setRoles} />
      <Field label={t('login.password')} type="password" value={password} required autocomplete="new-password" hint={t('login.passwordRule')} onInput={setPassword} />
      {error ? <ErrorMessage message={error} /> : null}
      {created ? <p role="status" class="success">{t('users.created', { username: created })}</p> : null}
      <button type="submit">{t('users.create')}</button>
    </form>
  );
}
