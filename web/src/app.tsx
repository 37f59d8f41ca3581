/** The frame of every page: header, navigation, language and area-unit settings, the session. */
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { LoginPage } from './access/LoginPage.tsx';
import { UsersPage } from './access/UsersPage.tsx';
import { DashboardsPage } from './dashboards/DashboardsPage.tsx';
import { messageOf } from './data.ts';
import { FieldPage } from './field/FieldPage.tsx';
import { HazardPage } from './hazards/HazardPage.tsx';
import { AREA_UNITS, type AreaUnit, currentAreaUnit, currentLanguage, type Language, LANGUAGE_NAMES, LANGUAGES, setAreaUnit, setLanguage, t } from './i18n/index.ts';
import { MapPage } from './map/MapPage.tsx';
import { RecordPage } from './records/RecordPage.tsx';
import { RecordsPage } from './records/RecordsPage.tsx';
import { ApprovalsPage } from './reports/ApprovalsPage.tsx';
import { AccidentReportPage } from './reports/AccidentReportPage.tsx';
import { ActivityReportPage } from './reports/ActivityReportPage.tsx';
import { FindsReportPage } from './reports/FindsReportPage.tsx';
import { HazardReportPage } from './reports/HazardReportPage.tsx';
import { ProgressReportPage } from './reports/ProgressReportPage.tsx';
import { ReleaseReportPage } from './reports/ReleaseReportPage.tsx';
import { RiskEducationReportPage } from './reports/RiskEducationReportPage.tsx';
import { href, navigate, type Route, useRoute } from './router.ts';
import { can, fetchActor, type Session, SessionContext, signOut } from './session.ts';
import { SettingsPage } from './settings/SettingsPage.tsx';
import type { ActorSummary } from './types.ts';
import { ErrorMessage, Loading } from './ui.tsx';

function ReportPage({ kind }: { kind: Extract<Route, { page: 'newReport' }>['kind'] }) {
  switch (kind) {
    case 'hazard':
      return <HazardReportPage />;
    case 'activity':
      return <ActivityReportPage />;
    case 'progress':
      return <ProgressReportPage />;
    case 'release':
      return <ReleaseReportPage />;
    case 'finds':
      return <FindsReportPage />;
    case 'accident':
      return <AccidentReportPage />;
    case 'riskEducation':
      return <RiskEducationReportPage />;
  }
}

function Page({ route, actor }: { route: Route; actor: ActorSummary }) {
  const signedIn = actor.userId !== null;
  if (route.page === 'login') return <LoginPage />;
  if (!signedIn && route.page !== 'dashboards') return <LoginPage />;
  switch (route.page) {
    case 'map':
      return <MapPage />;
    case 'hazard':
      return <HazardPage id={route.id} />;
    case 'records':
      return <RecordsPage />;
    case 'record':
      return <RecordPage id={route.id} />;
    case 'newReport':
      return <ReportPage kind={route.kind} />;
    case 'approvals':
      return <ApprovalsPage />;
    case 'dashboards':
      return <DashboardsPage />;
    case 'users':
      return <UsersPage />;
    case 'settings':
      return <SettingsPage />;
    case 'field':
      return <FieldPage />;
    case 'notFound':
      return <ErrorMessage message={t('common.notFound', { path: route.path })} />;
  }
}

function titleOf(route: Route): string {
  switch (route.page) {
    case 'map':
      return t('nav.map');
    case 'login':
      return t('login.title');
    case 'hazard':
      return t('hazard.title');
    case 'records':
    case 'record':
      return t('nav.records');
    case 'newReport':
      return t(`reportKind.${route.kind}`);
    case 'approvals':
      return t('nav.approvals');
    case 'dashboards':
      return t('nav.dashboards');
    case 'users':
      return t('nav.users');
    case 'settings':
      return t('nav.settings');
    case 'field':
      return t('nav.field');
    case 'notFound':
      return t('common.error');
  }
}

export function App() {
  const route = useRoute();
  const [actor, setActor] = useState<ActorSummary | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [language, setLanguageState] = useState<Language>(currentLanguage());
  const [areaUnit, setAreaUnitState] = useState<AreaUnit>(currentAreaUnit());

  const refresh = useCallback(async () => {
    try {
      setActor(await fetchActor());
    } catch (error) {
      setFailure(messageOf(error));
    }
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  useEffect(() => {
    document.documentElement.lang = language;
    document.title = `${titleOf(route)} · Safeground`;
  }, [route, language]);

  const session: Session | null = useMemo(() => (actor ? { actor, refresh } : null), [actor, refresh]);
  if (failure) return <ErrorMessage message={failure} />;
  if (!session || !actor) return <Loading />;
  const signedIn = actor.userId !== null;
  const links: { path: string; label: string; shown: boolean; page: Route['page'][] }[] = [
    { path: '/map', label: t('nav.map'), shown: signedIn, page: ['map', 'hazard'] },
    { path: '/dashboards', label: t('nav.dashboards'), shown: true, page: ['dashboards'] },
    { path: '/records', label: t('nav.records'), shown: signedIn, page: ['records', 'record'] },
    { path: '/reports/new', label: t('nav.newReport'), shown: can(actor, 'report.write'), page: ['newReport'] },
    { path: '/approvals', label: t('nav.approvals'), shown: can(actor, 'report.verify') || can(actor, 'report.approve'), page: ['approvals'] },
    { path: '/field', label: t('nav.field'), shown: can(actor, 'report.write'), page: ['field'] },
    { path: '/users', label: t('nav.users'), shown: can(actor, 'users.manage'), page: ['users'] },
    { path: '/settings', label: t('nav.settings'), shown: can(actor, 'settings.write'), page: ['settings'] },
  ];

  return (
    <SessionContext.Provider value={session}>
      <a class="skip-link" href="#main" onClick={(event) => { event.preventDefault(); document.getElementById('main')?.focus(); }}>
        {t('nav.skip')}
      </a>
      <header class="top">
        <a class="brand" href={href('/map')}>
          Safeground
        </a>
        <nav aria-label={t('nav.label')}>
          <ul>
            {links
              .filter((l) => l.shown)
              .map((l) => (
                <li key={l.path}>
                  <a href={href(l.path)} aria-current={l.page.includes(route.page) ? 'page' : undefined}>
                    {l.label}
                  </a>
                </li>
              ))}
          </ul>
        </nav>
        <div class="settings">
          <label>
            <span class="setting-label">{t('settings.language')}</span>
            <select
              value={language}
              onChange={(event) => {
                const next = event.currentTarget.value as Language;
                setLanguage(next);
                setLanguageState(next);
              }}
            >
              {LANGUAGES.map((l) => (
                <option key={l} value={l} lang={l}>
                  {LANGUAGE_NAMES[l]}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span class="setting-label">{t('settings.areaUnit')}</span>
            <select
              value={areaUnit}
              onChange={(event) => {
                const next = event.currentTarget.value as AreaUnit;
                setAreaUnit(next);
                setAreaUnitState(next);
              }}
            >
              {AREA_UNITS.map((u) => (
                <option key={u} value={u}>
                  {t(`unit.${u}`)}
                </option>
              ))}
            </select>
          </label>
          {signedIn ? (
            <span class="who">
              <span>{t('nav.signedInAs', { username: actor.username })}</span>
              <button
                type="button"
                class="link-button"
                onClick={async () => {
                  await signOut();
                  await refresh();
                  navigate('/login');
                }}
              >
                {t('nav.signOut')}
              </button>
            </span>
          ) : (
            <a href={href('/login')}>{t('nav.signIn')}</a>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1} key={`${language}-${areaUnit}`}>
        <Page route={route} actor={actor} />
      </main>
    </SessionContext.Provider>
  );
}
