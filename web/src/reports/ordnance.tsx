/**
 * The catalogue of ordnance models in the forms that name a model (finds, accidents): the
 * catalogue itself, the server's judgement of a model named with a category, and the model's
 * field with the catalogue's names as suggestions.
 */
import { useId } from 'preact/hooks';
import { api } from '../api.ts';
import { useLoad } from '../data.ts';
import { orFromPackage } from '../field/packages.ts';
import { t } from '../i18n/index.ts';
import type { OrdnanceModel, Page } from '../types.ts';
import { Field } from '../ui.tsx';

/** A model's name as the server matches it (normaliseName of src/names.ts): ignoring case, spaces and punctuation. */
function modelKey(name: string): string {
  return name.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}

/** The catalogue of ordnance models by modelKey: from the server, else, with no link, from an area package. */
export function useOrdnanceModels(): ReadonlyMap<string, OrdnanceModel> {
  const [catalogue] = useLoad(() => orFromPackage(() => api.get<Page<OrdnanceModel>>('/api/ordnance-models?limit=1000').then((a) => a.items), 'ordnanceModels'), []);
  return new Map((catalogue.state === 'ready' ? catalogue.value : []).map((m) => [modelKey(m.name), m]));
}

/**
 * The problems of an ordnance model named with a category of device, as the server judges them:
 * a name the catalogue does not know (when a catalogue is at hand), or a category other than the
 * model's (`unknown` claims none).
 */
export function ordnanceProblems(name: string, category: string, models: ReadonlyMap<string, OrdnanceModel>): { ordnanceModel?: string; category?: string } {
  const model = models.get(modelKey(name));
  return {
    ...(name.trim() && models.size > 0 && !model ? { ordnanceModel: t('validation.notInCatalogue') } : {}),
    ...(category && category !== 'unknown' && model && category !== model.category ? { category: t('validation.categoryNotModel', { model: model.name, category: t(`findCategory.${model.category}`) }) } : {}),
  };
}

/** The model's name, typed or chosen from the catalogue's suggestions. */
export function OrdnanceModelField({ value, error, models, onInput }: { value: string; error: string | undefined; models: ReadonlyMap<string, OrdnanceModel>; onInput: (name: string) => void }) {
  const listId = useId();
  return (
    <>
      <Field label={t('field.ordnanceModel')} value={value} list={listId} error={error} hint={t('report.ordnanceModelHint')} onInput={onInput} />
      <datalist id={listId}>
        {[...models.values()].map((m) => (
          <option key={m.id} value={m.name} />
        ))}
      </datalist>
    </>
  );
}
