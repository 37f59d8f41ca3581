/** Finds administrative areas and settlements by any of their names, in any language. */
import { useId, useState } from 'preact/hooks';
import { api, query } from '../api.ts';
import { messageOf } from '../data.ts';
import { t } from '../i18n/index.ts';
import type { Place } from '../types.ts';
import { ErrorMessage } from '../ui.tsx';

/** `onResults` gets every place found (the map zooms to them all); `onChoose` the one picked from the list. */
export function PlaceSearch({ onChoose, onResults }: { onChoose: (place: Place) => void; onResults?: (places: Place[]) => void }) {
  const id = useId();
  const [text, setText] = useState('');
  const [places, setPlaces] = useState<Place[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function search(event: Event) {
    event.preventDefault();
    if (!text.trim()) return;
    setError(null);
    try {
      const found = (await api.get<{ places: Place[] }>(`/api/places${query({ q: text.trim(), limit: 10 })}`)).places;
      setPlaces(found);
      onResults?.(found);
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  return (
    <form class="place-search" role="search" onSubmit={search}>
      <label for={id}>{t('map.placeSearch')}</label>
      <div class="inline">
        <input id={id} type="search" value={text} onInput={(event) => setText(event.currentTarget.value)} />
        <button type="submit">{t('map.find')}</button>
      </div>
      {error ? <ErrorMessage message={error} /> : null}
      {places ? (
        places.length === 0 ? (
          <p class="muted" role="status">
            {t('map.noPlace')}
          </p>
        ) : (
          <ul class="plain" aria-label={t('map.placeResults')}>
            {places.map((place) => (
              <li key={place.id}>
                <button type="button" class="link-button" onClick={() => onChoose(place)}>
                  {place.name}
                  {place.matchedName !== place.name ? ` (${place.matchedName}, ${place.matchedLanguage})` : ''}
                  <span class="muted"> · {place.kind === 'settlement' ? t('map.settlement') : t('map.adminArea', { level: place.level ?? 0 })}</span>
                </button>
              </li>
            ))}
          </ul>
        )
      ) : null}
    </form>
  );
}
