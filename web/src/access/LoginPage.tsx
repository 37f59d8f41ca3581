/** Sign-in with a username and password; a plain form that works from the keyboard alone. */
import { useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { messageOf } from '../data.ts';
import { t } from '../i18n/index.ts';
import { navigate } from '../router.ts';
import { signIn, useSession } from '../session.ts';
import { ErrorMessage, Field } from '../ui.tsx';

export function LoginPage() {
  const session = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await signIn(username, password);
      await session.refresh();
      if (answer.mustChangePassword) setNotice(t('login.mustChangePassword'));
      else navigate('/map');
    } catch (caught) {
      setError(caught instanceof ApiError && caught.code === 'unauthorised' ? t('login.failed') : messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  if (notice) {
    return (
      <section class="narrow">
        <h1>{t('login.title')}</h1>
        <p role="status">{notice}</p>
        <ChangePassword />
      </section>
    );
  }

  return (
    <section class="narrow">
      <h1>{t('login.title')}</h1>
      {session.actor.userId ? <p class="muted">{t('login.already', { username: session.actor.username })}</p> : null}
      <form onSubmit={submit} aria-label={t('login.title')}>
        <Field label={t('login.username')} name="username" value={username} autocomplete="username" required onInput={setUsername} />
        <Field label={t('login.password')} name="password" type="password" value={password} autocomplete="current-password" required onInput={setPassword} />
        {error ? <ErrorMessage message={error} /> : null}
        <button type="submit" disabled={busy}>
          {t('login.submit')}
        </button>
      </form>
    </section>
  );
}

/** A first sign-in with a one-time password must set a new one. */
function ChangePassword() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState<string | null>(null);
  async function submit(event: Event) {
    event.preventDefault();
    try {
      await api.post('/api/session/password', { currentPassword: current, newPassword: next });
      navigate('/map');
    } catch (caught) {
      setError(messageOf(caught));
    }
  }
  return (
    <form onSubmit={submit} aria-label={t('login.changePassword')}>
      <Field label={t('login.currentPassword')} type="password" value={current} autocomplete="current-password" required onInput={setCurrent} />
      <Field label={t('login.newPassword')} type="password" value={next} autocomplete="new-password" required hint={t('login.passwordRule')} onInput={setNext} />
      {error ? <ErrorMessage message={error} /> : null}
      <button type="submit">{t('login.changePassword')}</button>
    </form>
  );
}
