/** The frame of every page: header, navigation, language and area-unit settings, the session. */
import type { ComponentType, VNode } from 'preact';
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
import { href, navigate, type ReportKind, type Route, useRoute } from './router.ts';
import { can, fetchActor, type Session, SessionContext, signOut } from './session.ts';
import { SettingsPage } from './settings/SettingsPage.tsx';
import type { ActorSummary } from './types.ts';
import { ErrorMessage, Loading } from './ui.tsx';

/** The form of each kind of report. */
const REPORT_PAGES: Record<ReportKind, ComponentType> = {
  hazard: HazardReportPage,
  activity: ActivityReportPage,
  progress: ProgressReportPage,
  release: ReleaseReportPage,
  finds: FindsReportPage,
  accident: AccidentReportPage,
  riskEducation: RiskEducationReportPage,
};

/** A page: its title (the document's) and what it shows, from its route. */
interface PageEntry<P extends Route['page']> {
  title: (route: Extract<Route, { page: P }>) => string;
  view: (route: Extract<Route, { page: P }>) => VNode;
}

/** Every page's title and view side by side, so that a new page is one entry. */
const PAGES: { [P in Route['page']]: PageEntry<P> } = {
  map: { title: () => t('nav.map'), view: () => <MapPage /> },
  login: { title: () => t('login.title'), view: () => <LoginPage /> },
  hazard: { title: () => t('hazard.title'), view: (route) => <HazardPage id={route.id} /> },
  records: { title: () => t('nav.records'), view: () => <RecordsPage /> },
  record: { title: () => t('nav.records'), view: (route) => <RecordPage id={route.id} /> },
  newReport: {
    title: (route) => t(`reportKind.${route.kind}`),
    view: (route) => {
      const Form = REPORT_PAGES[route.kind];
      return <Form />;
    },
  },
  approvals: { title: () => t('nav.approvals'), view: () => <ApprovalsPage /> },
  dashboards: { title: () => t('nav.dashboards'), view: () => <DashboardsPage /> },
  users: { title: () => t('nav.users'), view: () => <UsersPage /> },
  settings: { title: () => t('nav.settings'), view: () => <SettingsPage /> },
  field: { title: () => t('nav.field'), view: () => <FieldPage /> },
  notFound: { title: () => t('common.error'), view: (route) => <ErrorMessage message={t('common.notFound', { path: route.path })} /> },
};

/** The entry of PAGES for a route, typed by its page. */
function pageOf<P extends Route['page']>(page: P): PageEntry<P> {
  return PAGES[page];
}

function titleOf(route: Route): string {
  return pageOf(route.page).title(route);
}

function Page({ route, actor }: { route: Route; actor: ActorSummary }) {
  const signedIn = actor.userId !== null;
  if (!signedIn && route.page !== 'dashboards') return <LoginPage />;
  return pageOf(route.page).view(route);
}

/** One of the header's settings: a labelled list of its values. */
function Setting<V extends string>(props: { label: string; value: V; values: readonly V[]; name: (value: V) => string; lang?: boolean; onChange: (value: V) => void }) {
  return (
    <label>
      <span class="setting-label">{props.label}</span>
      <select value={props.value} onChange={(event) => props.onChange(event.currentTarget.value as V)}>
        {props.values.map((v) => (
          <option key={v} value={v} lang={props.lang ? v : undefined}>
            {props.name(v)}
          </option>
        ))}
      </select>
    </label>
  );
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
          <Setting
            label={t('settings.language')}
            value={language}
            values={LANGUAGES}
            name={(l) => LANGUAGE_NAMES[l]}
            lang
            onChange={(next) => {
              setLanguage(next);
              setLanguageState(next);
            }}
          />
          <Setting
            label={t('settings.areaUnit')}
            value={areaUnit}
            values={AREA_UNITS}
            name={(u) => t(`unit.${u}`)}
            onChange={(next) => {
              setAreaUnit(next);
              setAreaUnitState(next);
            }}
          />
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
