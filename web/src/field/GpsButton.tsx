/**
 * A position from the device's GPS, beside drawing on the map: several fixes are taken and
 * averaged (each weighted by its stated accuracy), and the accuracy of the result is shown.
 */
import { useState } from 'preact/hooks';
import { useAction } from '../data.ts';
import { formatNumber, t } from '../i18n/index.ts';
import { ErrorMessage } from '../ui.tsx';
import { averageFixes, type Fix } from './area.ts';

/** Fixes to average; a phone gives about one a second, so this is a few seconds of standing still. */
const FIXES = 5;
/** How long to wait for them: the average is of those that came in this time. */
const WINDOW_MS = 10_000;

/**
 * Fixes as the device gives them, until `count` arrive or the time is up; then those taken (a
 * device standing still may give one fix and no more).
 */
function takeFixes(count: number): Promise<Fix[]> {
  return new Promise((resolve, reject) => {
    const fixes: Fix[] = [];
    const finish = () => {
      clearTimeout(timer);
      navigator.geolocation.clearWatch(watch);
      if (fixes.length > 0) resolve(fixes);
      else reject(new Error(t('gps.failed')));
    };
    const timer = setTimeout(finish, WINDOW_MS);
    const watch = navigator.geolocation.watchPosition(
      (position) => {
        fixes.push({ longitude: position.coords.longitude, latitude: position.coords.latitude, accuracy: position.coords.accuracy });
        if (fixes.length >= count) finish();
      },
      () => finish(),
      { enableHighAccuracy: true, maximumAge: 0, timeout: WINDOW_MS },
    );
  });
}

/** Adds the averaged position as a "latitude, longitude" line, which every shape field reads. */
export function GpsButton({ text, onText }: { text: string; onText: (text: string) => void }) {
  const [last, setLast] = useState<(Fix & { count: number }) | null>(null);
  const { busy, error, run } = useAction();
  if (!('geolocation' in navigator)) return null;
  const json = /^\s*[[{]/.test(text) || /\(/.test(text);
  const take = () =>
    run(async () => {
      const fixes = await takeFixes(FIXES);
      const mean = averageFixes(fixes);
      if (!mean) throw new Error(t('gps.failed'));
      setLast({ ...mean, count: fixes.length });
      const line = `${mean.latitude.toFixed(7)}, ${mean.longitude.toFixed(7)}`;
      onText(json || !text.trim() ? line : `${text.trimEnd()}\n${line}`);
    });
  return (
    <div class="gps">
      <button type="button" onClick={() => void take()} disabled={busy}>
        {busy ? t('gps.taking', { count: FIXES }) : t('gps.add')}
      </button>
      {json ? <p class="hint">{t('gps.replaces')}</p> : null}
      {last ? (
        <p role="status" class="success">
          {t('gps.taken', { count: formatNumber(last.count), accuracy: formatNumber(last.accuracy, 1) })}
        </p>
      ) : null}
      {error ? <ErrorMessage message={error} /> : null}
    </div>
  );
}
