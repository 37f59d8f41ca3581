/**
 * A position from the device's GPS, beside drawing on the map: several fixes are taken and
 * averaged (each weighted by its stated accuracy), and the accuracy of the result is shown.
 */
import { useState } from 'preact/hooks';
import { formatNumber, t } from '../i18n/index.ts';
import { averageFixes, type Fix } from './area.ts';

/** Fixes to average; a phone gives about one a second, so this is a few seconds of standing still. */
const FIXES = 5;
const TIMEOUT_MS = 30_000;

function oneFix(): Promise<Fix> {
  return new Promise((resolve, reject) => {
    navigator.geolocation.getCurrentPosition(
      (position) => resolve({ longitude: position.coords.longitude, latitude: position.coords.latitude, accuracy: position.coords.accuracy }),
      (error) => reject(new Error(error.message || t('gps.failed'))),
      // maximumAge 0: each fix is a new one, not the last one again.
      { enableHighAccuracy: true, maximumAge: 0, timeout: TIMEOUT_MS },
    );
  });
}

/** Fixes one after another; a failure after the first keeps those taken. */
async function takeFixes(count: number): Promise<Fix[]> {
  const fixes: Fix[] = [];
  for (let i = 0; i < count; i++) {
    try {
      fixes.push(await oneFix());
    } catch (caught) {
      if (fixes.length === 0) throw caught;
      break;
    }
  }
  return fixes;
}

/** Adds the averaged position as a "latitude, longitude" line, which every shape field reads. */
export function GpsButton({ text, onText }: { text: string; onText: (text: string) => void }) {
  const [busy, setBusy] = useState(false);
  const [last, setLast] = useState<(Fix & { count: number }) | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  if (!('geolocation' in navigator)) return null;
  const json = /^\s*[[{]/.test(text) || /\(/.test(text);
  async function take() {
    setBusy(true);
    setFailure(null);
    try {
      const fixes = await takeFixes(FIXES);
      const mean = averageFixes(fixes);
      if (!mean) throw new Error(t('gps.failed'));
      setLast({ ...mean, count: fixes.length });
      const line = `${mean.latitude.toFixed(7)}, ${mean.longitude.toFixed(7)}`;
      onText(json || !text.trim() ? line : `${text.trimEnd()}\n${line}`);
    } catch (caught) {
      setFailure(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  }
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
      {failure ? (
        <p class="error" role="alert">
          {failure}
        </p>
      ) : null}
    </div>
  );
}
