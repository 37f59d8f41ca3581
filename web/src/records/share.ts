import { formatNumber, formatPercent, t } from '../i18n/index.ts';

/** A share and the counts it is made of, as the audit API gives them. */
export interface Count {
  count: number;
  of: number;
  share: number | null;
}

/** A share with the counts it is made of, so that the figure can be checked. */
export function shareOf(s: Count | undefined): string {
  return s === undefined || s.share === null ? '—' : t('records.shareOf', { share: formatPercent(s.share), count: formatNumber(s.count), of: formatNumber(s.of) });
}
