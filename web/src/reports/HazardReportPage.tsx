/**
 * A report of a new hazardous area. The form checks what it can before sending (required
 * fields, a readable polygon, and direct evidence for a CHA by the server's own rule,
 * evidenceProblem of src/land/rules.ts); the server's geometry checks then say what the shape's
 * problems are, and warnings are accepted one by one, never silently.
 */
import { areaUnitLabel, currentAreaUnit, formatArea, t } from '../i18n/index.ts';
import { can, useSession } from '../session.ts';
import {
  BLOCKAGES,
  type Blockage,
  CONTAMINATION,
  type Contamination,
  DIRECT_EVIDENCE,
  EVIDENCE,
  type Evidence,
  HAZARD_KINDS,
  type HazardKind,
} from '../types.ts';
import { Checkboxes, codeOptions, Field, Select, TextArea } from '../ui.tsx';
import { evidenceProblem } from '../../../src/land/rules.ts';
import { type Errors, CheckedGeometryField, OrganisationSelect, ReportForm, unreadableMessage, useReportForm, useShapeCheck } from './form.tsx';
import { readGeometry } from './geometryInput.ts';

const AREA_FACTOR = { m2: 1, ha: 10_000, km2: 1_000_000 } as const;

interface Draft {
  reference: string;
  kind: HazardKind;
  organisationId: string;
  evidence: Evidence[];
  contamination: Contamination[];
  blockages: Blockage[];
  estimatedArea: string;
  description: string;
  source: string;
  geometryText: string;
}

const LABELS: Record<string, Parameters<typeof t>[0]> = {
  reference: 'report.field.reference',
  evidence: 'report.field.evidence',
  source: 'report.field.source',
  geometry: 'report.field.geometry',
  estimatedArea: 'report.field.estimatedArea',
};

function validate(draft: Draft): Errors {
  const errors: Errors = {};
  if (!draft.reference.trim()) errors.reference = t('validation.required');
  if (!draft.source.trim()) errors.source = t('validation.required');
  if (evidenceProblem(draft.kind, draft.evidence)) errors.evidence = t('validation.chaNeedsDirect');
  if (draft.estimatedArea && !(Number(draft.estimatedArea) >= 0)) errors.estimatedArea = t('validation.number');
  const reading = readGeometry(draft.geometryText);
  if ('problem' in reading) errors.geometry = unreadableMessage(reading, 'polygon');
  return errors;
}

export function HazardReportPage() {
  const { actor } = useSession();
  const national = can(actor, 'report.approve');
  const { draft, set, errors, state, send, setSent, input, choice, shape } = useReportForm<Draft>('hazard', {
    reference: '',
    kind: 'sha',
    organisationId: actor.organisationId ?? '',
    evidence: [],
    contamination: [],
    blockages: [],
    estimatedArea: '',
    description: '',
    source: '',
    geometryText: '',
  });
  const shapeCheck = useShapeCheck('hazard');
  const reading = readGeometry(draft.geometryText);
  const geometry = 'geometry' in reading ? reading.geometry : null;

  const submit = () =>
    send(validate(draft), async () => {
      const payload = {
        reference: draft.reference.trim(),
        kind: draft.kind,
        status: 'active',
        geometry,
        estimatedAreaM2: draft.estimatedArea ? Number(draft.estimatedArea) * AREA_FACTOR[currentAreaUnit()] : null,
        evidence: draft.evidence,
        contamination: draft.contamination,
        blockages: draft.blockages,
        organisationId: draft.organisationId || null,
        description: draft.description.trim() || null,
        source: draft.source.trim(),
      };
      const result = await shapeCheck.send({ entityType: 'hazard', action: 'create', organisationId: draft.organisationId || null, payload, photos: state.photos }, geometry, actor.username);
      setSent({ message: t('report.submitted', { reference: String(result.payload.reference) }), kept: result.kept });
    });

  return (
    <ReportForm
      form={state}
      label={(field) => t(LABELS[field] ?? 'report.field.geometry')}
      onSubmit={submit}
      shape={<CheckedGeometryField {...shape('geometryText')} required preview={geometry} shapeCheck={shapeCheck} labels={['report.check', 'report.noProblems']} />}
      below={geometry && draft.estimatedArea ? <p class="hint">{t('report.estimatedIs', { area: formatArea(Number(draft.estimatedArea) * AREA_FACTOR[currentAreaUnit()]) })}</p> : null}
    >
      <Field label={t('field.reference')} {...input('reference')} required hint={t('report.referenceHint')} />
      <Select<HazardKind> label={t('field.hazardKind')} {...choice('kind')} options={codeOptions(HAZARD_KINDS, (k) => t(`kindLong.${k}`))} />
      <OrganisationSelect {...choice('organisationId')} none={national ? t('common.none') : undefined} />
      <Checkboxes legend={t('field.evidence')} values={EVIDENCE} chosen={draft.evidence} label={(e) => `${t(`evidence.${e}`)}${DIRECT_EVIDENCE.has(e) ? ` (${t('hazard.direct')})` : ''}`} error={errors.evidence} onChange={(evidence) => set({ evidence })} />
      <Checkboxes legend={t('field.contamination')} values={CONTAMINATION} chosen={draft.contamination} label={(c) => t(`contamination.${c}`)} onChange={(contamination) => set({ contamination })} />
      <Checkboxes legend={t('field.blockages')} values={BLOCKAGES} chosen={draft.blockages} label={(b) => t(`blockage.${b}`)} onChange={(blockages) => set({ blockages })} />
      <Field label={`${t('field.estimatedArea')} (${areaUnitLabel()})`} type="number" min="0" step="any" {...input('estimatedArea')} />
      <TextArea label={t('field.description')} {...input('description')} />
      <Field label={t('field.source')} {...input('source')} required hint={t('report.sourceHint')} />
    </ReportForm>
  );
}
