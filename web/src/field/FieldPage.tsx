/**
 * The field page: area packages to work from without a connection, and the outbox of reports
 * made on this device with each one's state. Phone-first: one column, large buttons.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api.ts';
import { messageOf, useAction } from '../data.ts';
import { formatBytes, formatDateTime, formatNumber, t } from '../i18n/index.ts';
import { savedView } from '../map/view.ts';
import { ENTITY_TYPE_OF, REPORT_KINDS } from '../router.ts';
import { useSession } from '../session.ts';
import { HAZARD_STATUSES, type HazardStatus } from '../types.ts';
import { ErrorMessage, Field } from '../ui.tsx';
import { age, type Bbox, validBbox } from './area.ts';
import { outbox, syncOutbox } from './outbox.ts';
import { deletePackage, downloadPackage, listPackages, refreshPackage } from './packages.ts';
import { PackageMap } from './PackageMap.tsx';
import type { AreaPackage, OutboxReport } from './store.ts';

interface Place {
  id: string;
  kind: 'admin_area' | 'settlement';
  name: string;
  bbox: Bbox;
}

/** Whether the browser has a link; follows the online and offline events. */
export function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    addEventListener('online', update);
    addEventListener('offline', update);
    // The link may have changed between the first render and these listeners.
    update();
    return () => {
      removeEventListener('online', update);
      removeEventListener('offline', update);
    };
  }, []);
  return online;
}

const isHazardStatus = (value: unknown): value is HazardStatus => (HAZARD_STATUSES as readonly unknown[]).includes(value);

/** The form a report of this record type comes from, as the forms' tabs name it. */
function kindLabel(entityType: string): string {
  const kind = REPORT_KINDS.find((k) => ENTITY_TYPE_OF[k] === entityType);
  return kind ? t(`reportKind.${kind}`) : entityType;
}

function ageText(updatedAt: string): string {
  const { unit, count } = age(updatedAt, new Date());
  return t(`fieldApp.age.${unit}`, { count: formatNumber(count) });
}

function PackageView({ pkg, online, shown, onShow, onChange }: { pkg: AreaPackage; online: boolean; shown: boolean; onShow: () => void; onChange: () => void }) {
  const { busy, error, run } = useAction();
  const hazards = pkg.records.filter((r) => r.entityType === 'hazard');
  const count = (type: string) => pkg.records.filter((r) => r.entityType === type).length;
  return (
    <article class="field-package" aria-label={pkg.name}>
      <h3>{pkg.name}</h3>
      <p>
        {t('fieldApp.updated', { when: formatDateTime(pkg.updatedAt), age: ageText(pkg.updatedAt) })}
      </p>
      <p class="muted">
        {t('fieldApp.contents', {
          hazards: formatNumber(hazards.length),
          activities: formatNumber(count('activity')),
          records: formatNumber(count('minefield_record')),
          settlements: formatNumber(pkg.settlements?.length ?? 0),
          models: formatNumber(pkg.ordnanceModels.length),
        })}
      </p>
      {pkg.size ? <p class="muted package-size">{t('fieldApp.size', { total: formatBytes(pkg.size.total), map: formatBytes(pkg.size.map) })}</p> : null}
      {error ? <ErrorMessage message={error} /> : null}
      <div class="field-actions">
        <button type="button" disabled={shown} aria-pressed={shown} onClick={onShow}>
          {t('fieldApp.showOnMap')}
        </button>
        <button
          type="button"
          disabled={busy || !online}
          onClick={() =>
            run(async () => {
              await refreshPackage(pkg);
              onChange();
            })
          }
        >
          {t('fieldApp.refresh')}
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={async () => {
            if (!confirm(t('fieldApp.deleteConfirm', { name: pkg.name }))) return;
            await deletePackage(pkg.id);
            onChange();
          }}
        >
          {t('fieldApp.delete')}
        </button>
      </div>
      <details>
        <summary>{t('fieldApp.hazards', { count: formatNumber(hazards.length) })}</summary>
        <ul class="field-hazards">
          {hazards.map((h) => (
            <li key={h.entityId}>
              {String(h.data.reference ?? h.entityId)}
              {isHazardStatus(h.data.status) ? ` · ${t(`status.${h.data.status}`)}` : ''}
            </li>
          ))}
        </ul>
      </details>
    </article>
  );
}

function NewPackage({ online, onDone }: { online: boolean; onDone: () => void }) {
  const { actor } = useSession();
  const [search, setSearch] = useState('');
  const [places, setPlaces] = useState<Place[] | null>(null);
  const [name, setName] = useState('');
  const [box, setBox] = useState(['', '', '', '']);
  const { busy, error, setError, run } = useAction();
  const bbox = box.map(Number);
  const ready = box.every((v) => v.trim() !== '') && validBbox(bbox) && name.trim() !== '';
  const mapBox = savedView(actor.userId)?.bbox;

  async function find(event: Event) {
    event.preventDefault();
    setError(null);
    try {
      setPlaces((await api.get<{ places: Place[] }>(`/api/places${query({ q: search, limit: 10 })}`)).places);
    } catch (caught) {
      setError(messageOf(caught));
    }
  }
  function choose(label: string, b: readonly number[]) {
    setName(label);
    setBox(b.map((v) => String(Math.round(v * 1e6) / 1e6)));
  }
  async function download(event: Event) {
    event.preventDefault();
    if (!ready || !validBbox(bbox)) return;
    await run(async () => {
      await downloadPackage(name.trim(), bbox);
      onDone();
    });
  }
  const labels = [t('fieldApp.west'), t('fieldApp.south'), t('fieldApp.east'), t('fieldApp.north')];
  return (
    <section aria-labelledby="new-package">
      <h2 id="new-package">{t('fieldApp.newPackage')}</h2>
      <form onSubmit={find} role="search">
        <Field label={t('fieldApp.searchArea')} type="search" value={search} onInput={setSearch} />
        <button type="submit" disabled={!online || !search.trim()}>
          {t('fieldApp.find')}
        </button>
      </form>
      {places ? (
        places.length === 0 ? (
          <p class="muted">{t('fieldApp.noPlaces')}</p>
        ) : (
          <ul class="field-places">
            {places.map((p) => (
              <li key={p.id}>
                <button type="button" onClick={() => choose(p.name, p.bbox)}>
                  {p.name}
                </button>
              </li>
            ))}
          </ul>
        )
      ) : null}
      {mapBox ? (
        <p>
          <button type="button" onClick={() => choose(t('fieldApp.mapViewName'), mapBox)}>
            {t('fieldApp.useMapView')}
          </button>
        </p>
      ) : null}
      <form onSubmit={download} noValidate>
        <Field label={t('fieldApp.packageName')} value={name} required onInput={setName} />
        <div class="inline two">
          {labels.map((label, index) => (
            <Field key={label} label={label} type="number" step="any" value={box[index]} required onInput={(value) => setBox((b) => b.map((v, i) => (i === index ? value : v)))} />
          ))}
        </div>
        {box.every((v) => v.trim() !== '') && !validBbox(bbox) ? <ErrorMessage message={t('fieldApp.badBox')} /> : null}
        {error ? <ErrorMessage message={error} /> : null}
        <button type="submit" class="primary" disabled={busy || !online || !ready}>
          {busy ? t('fieldApp.downloading') : t('fieldApp.download')}
        </button>
      </form>
    </section>
  );
}

function OutboxView({ reports, online, onChange }: { reports: OutboxReport[]; online: boolean; onChange: () => void }) {
  const { busy, error, run } = useAction();
  /** The outbox's states change whether or not the sync went through, so they are read again either way. */
  async function sync() {
    await run(syncOutbox);
    onChange();
  }
  return (
    <section aria-labelledby="outbox">
      <h2 id="outbox">{t('fieldApp.outbox')}</h2>
      {reports.length === 0 ? <p class="muted">{t('fieldApp.outboxEmpty')}</p> : null}
      <ul class="field-outbox">
        {reports.map((r) => (
          <li key={r.id} data-report-id={r.id}>
            <strong>{kindLabel(r.entityType)}</strong> · {formatDateTime(r.createdAt)} ·{' '}
            <span class={`outbox-state state-${r.state}`}>{t(`fieldApp.state.${r.state}`)}</span>
            {r.message ? <span class="error"> {r.message}</span> : null}
            {r.attachments?.length ? <span class="hint outbox-photos"> · {t('photos.count', { count: formatNumber(r.attachments.length) })}</span> : null}
            {r.sealedIdentities ? <span class="hint identities-sealed"> · {t('fieldApp.identitiesSealed')}</span> : null}
            {r.identitiesRemoved ? <p class="hint identities-removed">{t('fieldApp.identitiesRemoved')}</p> : null}
          </li>
        ))}
      </ul>
      {error ? <ErrorMessage message={error} /> : null}
      <button type="button" class="primary" disabled={busy || !online || reports.length === 0} onClick={() => void sync()}>
        {t('fieldApp.sync')}
      </button>
    </section>
  );
}

export function FieldPage() {
  const online = useOnline();
  const [packages, setPackages] = useState<AreaPackage[] | null>(null);
  const [shownId, setShownId] = useState<string | null>(null);
  const [reports, setReports] = useState<OutboxReport[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const reload = () => {
    listPackages().then(setPackages, (caught: unknown) => setFailure(messageOf(caught)));
    outbox().then(setReports, (caught: unknown) => setFailure(messageOf(caught)));
  };
  useEffect(reload, []);
  /** The package on the map: the one chosen, else the first. */
  const shown = packages?.find((p) => p.id === shownId) ?? packages?.[0] ?? null;
  // When the link comes back, the outbox goes out by itself and the states are asked again.
  useEffect(() => {
    if (!online) return;
    syncOutbox().then(reload, () => reload());
  }, [online]);
  return (
    <section class="page narrow field-page">
      <h1>{t('fieldApp.title')}</h1>
      <p role="status" class={online ? 'success' : 'warning'}>
        {online ? t('fieldApp.online') : t('fieldApp.offline')}
      </p>
      {failure ? <ErrorMessage message={failure} /> : null}
      <section aria-labelledby="packages">
        <h2 id="packages">{t('fieldApp.packages')}</h2>
        {packages && packages.length === 0 ? <p class="muted">{t('fieldApp.noPackages')}</p> : null}
        {(packages ?? []).map((p) => (
          <PackageView key={p.id} pkg={p} online={online} shown={p.id === shown?.id} onShow={() => setShownId(p.id)} onChange={reload} />
        ))}
      </section>
      {shown ? (
        <section aria-labelledby="package-map">
          <h2 id="package-map">{t('fieldApp.onTheMap', { name: shown.name })}</h2>
          <PackageMap pkg={shown} />
        </section>
      ) : null}
      <OutboxView reports={reports} online={online} onChange={reload} />
      <NewPackage online={online} onDone={reload} />
    </section>
  );
}
