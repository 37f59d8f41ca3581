/**
 * The instance's settings an administrator or national officer changes: the country imported
 * positions are checked against. The server resolves what is typed against the gazetteer and
 * refuses a country it does not know, so its message is what the user sees.
 */
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useAction, useLoad } from '../data.ts';
import { t } from '../i18n/index.ts';
import { can, useSession } from '../session.ts';
import { ErrorMessage, Field, Show } from '../ui.tsx';

/** A level-0 admin area of the gazetteer, as GET/PUT /api/settings/country answer it. */
interface Country {
  id: string;
  name: string;
}

export function SettingsPage() {
  const { actor } = useSession();
  if (!can(actor, 'settings.write')) return <ErrorMessage message={t('settings.refused')} />;
  return (
    <section class="page">
      <h1>{t('settings.title')}</h1>
      <CountrySetting />
    </section>
  );
}

function CountrySetting() {
  const [current, reload] = useLoad(() => api.get<{ country: Country | null }>('/api/settings/country').then((a) => a.country), []);
  const [typed, setTyped] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const save = () =>
    run(async () => {
      setSaved(null);
      const { country } = await api.put<{ country: Country }>('/api/settings/country', { country: typed.trim() });
      setSaved(country.name);
      setTyped('');
      reload();
    });

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <Show loaded={current}>{(country) => <p data-testid="current-country">{country ? t('settings.countryCurrent', { name: country.name }) : t('settings.countryNone')}</p>}</Show>
      <Field label={t('settings.country')} value={typed} required hint={t('settings.countryHint')} error={error} name="country" onInput={setTyped} />
      <button type="submit" disabled={busy || typed.trim() === ''}>
        {t('settings.saveCountry')}
      </button>
      {saved ? (
        <p role="status" class="success">
          {t('settings.countrySaved', { name: saved })}
        </p>
      ) : null}
    </form>
  );
}
