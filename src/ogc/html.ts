/**
 * The HTML face of the OGC API: plain pages a person can browse (and a crawler index) with the
 * same content and links as the JSON. No scripts, no external resources: it works offline.
 */

export interface Link {
  href: string;
  rel: string;
  type: string;
  title?: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return `<code>${escapeHtml(JSON.stringify(value))}</code>`;
  return escapeHtml(String(value));
}

/** A table of records, one row each; `linkOf` turns the first column into a link. */
export function table(rows: readonly Record<string, unknown>[], linkOf?: (row: Record<string, unknown>) => string): string {
  if (rows.length === 0) return '<p>None.</p>';
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = rows
    .map((row) => {
      const cells = columns.map((c, i) => (i === 0 && linkOf ? `<td><a href="${escapeHtml(linkOf(row))}">${cell(row[c])}</a></td>` : `<td>${cell(row[c])}</td>`));
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A page: title, what it is, its links (other formats, paging, related resources), then the body. */
export function page(title: string, description: string, links: readonly Link[], body: string): string {
  const linkList = links
    .filter((l) => l.rel !== 'self')
    .map((l) => `<li><a href="${escapeHtml(l.href)}">${escapeHtml(l.title ?? l.rel)}</a> <small>(${escapeHtml(l.rel)}, ${escapeHtml(l.type)})</small></li>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} – Safeground OGC API</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .4rem;text-align:left;vertical-align:top}code{font-size:.85em}</style>
</head><body>
<p><a href="/ogc">Safeground OGC API – Features</a></p>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(description)}</p>
<ul>
${linkList}
</ul>
${body}
</body></html>
`;
}
