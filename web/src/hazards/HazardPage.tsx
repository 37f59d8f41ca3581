/**
 * One hazardous area: what it is and why (evidence), what work was done on it and what land that
 * released, what remains by the accounting rules, and every version it went through.
 */
import type { ComponentChildren } from 'preact';
import { api } from '../api.ts';
import { useLoad } from '../data.ts';
import { formatArea, formatDate, formatDateTime, t } from '../i18n/index.ts';
import { href } from '../router.ts';
import { DIRECT_EVIDENCE, type HazardAccounting, type HazardDetail, type HazardVersion, type Organisation, RELEASE_METHODS } from '../types.ts';
import { Badge, type Column, Show, Sketch, Table } from '../ui.tsx';
import { describeChanges } from './changes.ts';

export function HazardPage({ id }: { id: string }) {
  const [hazard] = useLoad(() => api.get<HazardDetail>(`/api/hazards/${id}`), [id]);
  const [history] = useLoad(() => api.get<{ versions: HazardVersion[] }>(`/api/hazards/${id}/history`).then((a) => a.versions), [id]);
  const [accounting] = useLoad(() => api.get<HazardAccounting>(`/api/hazards/${id}/accounting`), [id]);
  const [organisations] = useLoad(() => api.get<{ organisations: Organisation[] }>('/api/organisations').then((a) => new Map(a.organisations.map((o) => [o.id, o.name]))), []);
  const organisationName = (orgId: string | null) => (orgId && organisations.state === 'ready' ? (organisations.value.get(orgId) ?? orgId) : '—');

  return (
    <Show loaded={hazard}>
      {(h) => (
        <article class="page hazard">
          <p>
            <a href={href('/map')}>← {t('nav.map')}</a>
          </p>
          <h1>
            {t('hazard.heading', { reference: h.reference })} <Badge tone={h.kind}>{t(`kind.${h.kind}`)}</Badge> <Badge tone={h.status}>{t(`status.${h.status}`)}</Badge>
          </h1>
          <div class="two-columns">
            <Section id="hazard-facts" title={t('hazard.facts')}>
              <dl class="facts">
                <dt>{t('field.hazardKind')}</dt>
                <dd>{t(`kind.${h.kind}`)}</dd>
                <dt>{t('field.status')}</dt>
                <dd>{t(`status.${h.status}`)}</dd>
                <dt>{t('hazard.areaDrawn')}</dt>
                <dd>{formatArea(h.areaM2)}</dd>
                <dt>{t('field.estimatedArea')}</dt>
                <dd>{formatArea(h.estimatedAreaM2)}</dd>
                <dt>{t('field.organisation')}</dt>
                <dd>{organisationName(h.organisationId)}</dd>
                <dt>{t('hazard.releaseDate')}</dt>
                <dd>{formatDate(h.releaseDate)}</dd>
                <dt>{t('field.source')}</dt>
                <dd>{h.source}</dd>
                <dt>{t('field.version')}</dt>
                <dd>{h.version}</dd>
              </dl>
              {h.description ? <p>{h.description}</p> : null}
            </Section>
            <Section id="hazard-outline" title={t('hazard.outline')}>
              <Sketch
                label={t('hazard.outlineLabel', { reference: h.reference })}
                layers={[
                  { geometry: h.geometry, className: 'sketch-hazard' },
                  { geometry: accounting.state === 'ready' ? accounting.value.remainingGeometry : null, className: 'sketch-remaining' },
                ]}
              />
              <p class="hint">
                <span class="swatch sketch-hazard-swatch" /> {t('hazard.outline')} <span class="swatch sketch-remaining-swatch" /> {t('hazard.remaining')}
              </p>
            </Section>
          </div>

          <Section id="hazard-evidence" title={t('field.evidence')}>
            {h.evidence.length === 0 ? (
              <p class="muted">{t('common.none')}</p>
            ) : (
              <ul>
                {h.evidence.map((e) => (
                  <li key={e}>
                    {t(`evidence.${e}`)} <span class="muted">({DIRECT_EVIDENCE.has(e) ? t('hazard.direct') : t('hazard.indirect')})</span>
                  </li>
                ))}
              </ul>
            )}
            <h3>{t('field.contamination')}</h3>
            <p>{h.contamination.length ? h.contamination.map((c) => t(`contamination.${c}`)).join(', ') : t('common.none')}</p>
            <h3>{t('field.blockages')}</h3>
            <p>{h.blockages.length ? h.blockages.map((b) => t(`blockage.${b}`)).join(', ') : t('common.none')}</p>
            {h.minefieldRecordIds.length > 0 ? (
              <>
                <h3>{t('nav.records')}</h3>
                <ul>
                  {h.minefieldRecordIds.map((r) => (
                    <li key={r}>
                      <a href={href(`/records/${r}`)}>{t('hazard.record', { id: r.slice(0, 8) })}</a>
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
          </Section>

          <Section id="hazard-accounting" title={t('hazard.accounting')}>
            <Show loaded={accounting}>
              {(a) => (
                <table class="figures">
                  <caption class="visually-hidden">{t('hazard.accounting')}</caption>
                  <tbody>
                    {RELEASE_METHODS.map((m) => (
                      <tr key={m}>
                        <th scope="row">{t(`method.${m}`)}</th>
                        <td>{formatArea(a.releasedM2[m])}</td>
                      </tr>
                    ))}
                    <tr>
                      <th scope="row">{t('hazard.remaining')}</th>
                      <td data-testid="remaining-area">{formatArea(a.remainingM2)}</td>
                    </tr>
                    <tr>
                      <th scope="row">{t('hazard.areaDrawn')}</th>
                      <td>{formatArea(a.areaM2)}</td>
                    </tr>
                    <tr>
                      <th scope="row">{t('hazard.reconciliation')}</th>
                      <td>{a.reconciliation.balanced ? t('hazard.balanced') : t('hazard.unbalanced', { difference: formatArea(a.reconciliation.differenceM2) })}</td>
                    </tr>
                    {a.flags.length > 0 ? (
                      <tr>
                        <th scope="row">{t('hazard.flags')}</th>
                        <td>{a.flags.map((f) => f.code).join(', ')}</td>
                      </tr>
                    ) : null}
                  </tbody>
                </table>
              )}
            </Show>
          </Section>

          <Section id="hazard-work" title={t('hazard.activities')}>
            <LinkedRecords
              rows={h.activities}
              columns={[
                { heading: t('field.reference'), cell: (a) => a.reference },
                { heading: t('field.activityKind'), cell: (a) => t(`activity.${a.kind}`) },
                { heading: t('field.status'), cell: (a) => t(`activityStatus.${a.status}`) },
                { heading: t('field.organisation'), cell: (a) => organisationName(a.organisationId) },
              ]}
            />
            <h3>{t('hazard.products')}</h3>
            <LinkedRecords
              rows={h.releaseProducts}
              columns={[
                { heading: t('field.method'), cell: (p) => t(`method.${p.method}`) },
                { heading: t('field.releaseDate'), cell: (p) => formatDate(p.releaseDate) },
                { heading: t('field.area'), cell: (p) => formatArea(p.areaM2) },
              ]}
            />
          </Section>

          <Section id="hazard-history" title={t('hazard.history')}>
            <Show loaded={history}>
              {(versions) => (
                <ol class="timeline">
                  {[...versions].reverse().map((v) => {
                    const previous = versions.find((p) => p.version === v.version - 1) ?? null;
                    const changes = describeChanges(previous?.data ?? null, v.data);
                    return (
                      <li key={v.version}>
                        <p>
                          <strong>{t('hazard.versionHeading', { version: v.version })}</strong> · <time dateTime={v.validFrom}>{formatDateTime(v.validFrom)}</time>
                          {v.deleted ? ` · ${t('hazard.deleted')}` : ''}
                        </p>
                        <p class="muted">
                          {v.reason ? t('hazard.reason', { reason: v.reason }) : t('hazard.noReason')}
                          {v.areaM2 !== null ? ` · ${formatArea(v.areaM2)}` : ''}
                        </p>
                        {changes.length > 0 ? <p>{t('hazard.changed', { fields: changes.join(', ') })}</p> : null}
                      </li>
                    );
                  })}
                </ol>
              )}
            </Show>
          </Section>
        </article>
      )}
    </Show>
  );
}

/** A part of the page under its heading, which names it for a screen reader. */
function Section({ id, title, children }: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

/** Records linked to the hazard (its activities, its release products), one a row, or none. */
function LinkedRecords<R extends { id: string }>({ rows, columns }: { rows: readonly R[]; columns: readonly Column<R>[] }) {
  return <Table rows={rows} rowKey={(r) => r.id} rowHeaders={false} empty={<p class="muted">{t('common.none')}</p>} columns={columns} />;
}
