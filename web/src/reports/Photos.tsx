/**
 * Photos of a report: taken with the camera (or chosen on the device), made smaller on the device,
 * shown as thumbnails and removable before the report is saved; and, at the approvals queue, the
 * photos a report arrived with.
 */
import { useEffect, useId, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useLoad } from '../data.ts';
import { MAX_PHOTOS } from '../field/photoRules.ts';
import { resizePhoto } from '../field/photos.ts';
import type { DevicePhoto } from '../field/store.ts';
import { formatNumber, t } from '../i18n/index.ts';
import { ErrorMessage } from '../ui.tsx';

/** The photos a report form holds until it is saved (useReportForm keeps them). */
export function Photos({ photos, onChange }: { photos: readonly DevicePhoto[]; onChange: (photos: DevicePhoto[]) => void }) {
  const inputId = useId();
  const hintId = useId();
  const [preparing, setPreparing] = useState(0);
  const [failure, setFailure] = useState<string | null>(null);

  /** Each picture in turn, so a phone holds one full-size picture in memory at a time. */
  async function add(files: readonly File[]) {
    setFailure(null);
    setPreparing(files.length);
    const added: DevicePhoto[] = [];
    for (const file of files) {
      try {
        added.push(await resizePhoto(file));
      } catch {
        setFailure(t('photos.unreadable', { name: file.name }));
      }
      setPreparing((n) => n - 1);
    }
    // A picture chosen twice is one photo: it has one name.
    const next = [...photos];
    for (const photo of added) if (!next.some((p) => p.sha256 === photo.sha256)) next.push(photo);
    if (next.length > MAX_PHOTOS) setFailure(t('photos.tooMany', { max: MAX_PHOTOS }));
    onChange(next.slice(0, MAX_PHOTOS));
  }

  return (
    <fieldset class="photos">
      <legend>{t('photos.legend')}</legend>
      <div class="field">
        <label for={inputId}>{t('photos.add')}</label>
        <p id={hintId} class="hint">
          {t('photos.hint')}
        </p>
        <input
          id={inputId}
          type="file"
          accept="image/*"
          capture="environment"
          multiple
          // While pictures are being made smaller the list is about to change: one change at a time.
          disabled={preparing > 0}
          aria-describedby={hintId}
          onChange={(event) => {
            const files = [...(event.currentTarget.files ?? [])];
            // Emptied, so that the same picture can be chosen again after it was removed.
            event.currentTarget.value = '';
            void add(files);
          }}
        />
      </div>
      {preparing > 0 ? <p role="status">{t('photos.preparing', { count: formatNumber(preparing) })}</p> : null}
      {failure ? <ErrorMessage message={failure} /> : null}
      {photos.length > 0 ? (
        <ul class="photo-list">
          {photos.map((photo, index) => (
            <li key={photo.sha256}>
              <Thumbnail photo={photo} alt={t('photos.photo', { n: index + 1, count: photos.length })} />
              <button type="button" disabled={preparing > 0} onClick={() => onChange(photos.filter((p) => p.sha256 !== photo.sha256))}>
                {t('photos.remove', { n: index + 1 })}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </fieldset>
  );
}

/** A photo on the device, shown from an object URL that lives as long as the thumbnail. */
function Thumbnail({ photo, alt }: { photo: DevicePhoto; alt: string }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    const made = URL.createObjectURL(new Blob([photo.bytes], { type: photo.type }));
    setUrl(made);
    return () => URL.revokeObjectURL(made);
  }, [photo.sha256]);
  return url ? <img src={url} alt={alt} width={photo.width} height={photo.height} data-sha256={photo.sha256} /> : null;
}

/** The photos a report arrived with, as its reader may see them, each opening full size. */
export function ReportPhotos({ reportId }: { reportId: string }) {
  const [attachments] = useLoad(() => api.get<{ attachments: { sha256: string }[] }>(`/api/sync/reports/${reportId}/attachments`).then((a) => a.attachments), [reportId]);
  if (attachments.state === 'error') return <ErrorMessage message={attachments.message} />;
  if (attachments.state === 'loading' || attachments.value.length === 0) return null;
  const count = attachments.value.length;
  return (
    <figure class="report-photos">
      <figcaption>{t('photos.ofReport', { count: formatNumber(count) })}</figcaption>
      <ul class="photo-list">
        {attachments.value.map(({ sha256 }, index) => {
          const content = `/api/sync/attachments/${sha256}/content`;
          return (
            <li key={sha256}>
              <a href={content} target="_blank" rel="noopener">
                <img src={content} alt={t('photos.photo', { n: index + 1, count })} loading="lazy" />
              </a>
            </li>
          );
        })}
      </ul>
    </figure>
  );
}
