/**
 * Finds a settlement of the area packages on the device by any of its names, in any language,
 * as it is typed: with no network, the way to a place on the map. Not a form of its own, so it
 * can sit inside a report's form (Enter does not send the report).
 */
import { useId, useState } from 'preact/hooks';
import { formatNumber, t } from '../i18n/index.ts';
import type { PackageSettlement } from './store.ts';

/** Shown at most: the rest by typing more. */
const SHOWN = 8;

/** Settlements with a name containing the text (case aside), whole-name matches first. */
export function matchSettlements(settlements: readonly PackageSettlement[], text: string): PackageSettlement[] {
  const wanted = text.trim().toLocaleLowerCase();
  if (!wanted) return [];
  const rank = (s: PackageSettlement) => (s.names.some((n) => n.name.toLocaleLowerCase() === wanted) ? 0 : 1);
  return settlements.filter((s) => [s.name, ...s.names.map((n) => n.name)].some((name) => name.toLocaleLowerCase().includes(wanted))).sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

export function SettlementFinder({ settlements, onChoose }: { settlements: readonly PackageSettlement[]; onChoose: (settlement: PackageSettlement) => void }) {
  const id = useId();
  const [text, setText] = useState('');
  const found = matchSettlements(settlements, text);
  return (
    <div class="settlement-finder">
      <label for={id}>{t('fieldApp.findSettlement', { count: formatNumber(settlements.length) })}</label>
      <input
        id={id}
        type="search"
        value={text}
        autocomplete="off"
        onInput={(event) => setText(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key !== 'Enter') return;
          event.preventDefault();
          if (found[0]) onChoose(found[0]);
        }}
      />
      {text.trim() && found.length === 0 ? <p class="muted" role="status">{t('fieldApp.noSettlement')}</p> : null}
      {found.length > 0 ? (
        <ul class="plain settlement-results" aria-label={t('fieldApp.settlementResults')}>
          {found.slice(0, SHOWN).map((s) => {
            const other = s.names.find((n) => n.name !== s.name && n.name.toLocaleLowerCase().includes(text.trim().toLocaleLowerCase()));
            return (
              <li key={s.id}>
                <button type="button" class="link-button" onClick={() => onChoose(s)}>
                  {s.name}
                  {other ? ` (${other.name}, ${other.language})` : ''}
                </button>
              </li>
            );
          })}
        </ul>
      ) : null}
    </div>
  );
}
