/**
 * Audit throughput on seeded synthetic records: `node --import tsx src/records/audit.bench.ts [records] [findsPerRecord]`.
 * The national target is 1,000 records against 1,000,000 finds (the defaults).
 * A third of the records are anchored 20–80 m off, so the significance test runs in full for
 * them; the rest hold noise and stray finds, where it usually stops early.
 */
import { parseMinefieldRecord } from './format.ts';
import { reconstruct } from './reconstruct.ts';
import { auditRecord, mulberry32, type Find } from './audit.ts';
import { direct } from '../geodesy/geodesic.ts';

const records = Number(process.argv[2] ?? 1000);
const findsPerRecord = Number(process.argv[3] ?? 1000);
const random = mulberry32(20240601);

let reconstructMs = 0;
let auditMs = 0;
let significant = 0;
let finds = 0;
for (let n = 0; n < records; n++) {
  const origin = { lat: 44 + random(), lon: 18 + random() };
  const rowCount = 4 + Math.floor(random() * 8);
  const legs = [];
  const rows = [];
  for (let k = 0; k < rowCount; k++) {
    legs.push({ from: 'RP1', to: `S${k}`, azimuth: 150 + random() * 10, distance: 40 + 25 * k });
    legs.push({ from: `S${k}`, to: `E${k}`, azimuth: 85 + random() * 10, distance: 150 + random() * 100 });
    rows.push({ name: `R${k}`, start: `S${k}`, end: `E${k}`, mineCount: 40, spacing: 5 });
  }
  const record = parseMinefieldRecord({
    format: 'safeground/minefield-record@1',
    reference: `BENCH-${n}`,
    angleUnit: 'degrees',
    north: { reference: 'true' },
    referencePoints: [{ name: 'RP1', coordinates: { system: 'latlon', ...origin } }],
    legs,
    rows,
    provenance: { source: 'bench', handoverBatch: `HB-${n % 10}` },
  });
  let t = performance.now();
  const r = reconstruct(record);
  reconstructMs += performance.now() - t;

  const shifted = n % 3 === 0;
  const shiftBearing = random() * 360;
  const shiftDistance = shifted ? 20 + random() * 60 : 0;
  const list: Find[] = [];
  for (let i = 0; i < findsPerRecord; i++) {
    const onRecord = random() < 0.6;
    const mine = r.predictedMines[Math.floor(random() * r.predictedMines.length)];
    const base = onRecord && mine ? direct(mine, shiftBearing, shiftDistance) : direct(origin, 120 + random() * 60, random() * 400);
    const p = direct(base, random() * 360, random() * 1.5);
    list.push({ id: `${n}-${i}`, lat: p.lat, lon: p.lon, category: 'AP mine' });
  }
  finds += list.length;
  t = performance.now();
  const a = auditRecord(r, list, []);
  auditMs += performance.now() - t;
  if (a.systematic?.significant) significant++;
}
console.log(
  `${records} records, ${finds} finds: reconstruct ${reconstructMs.toFixed(0)} ms, audit ${auditMs.toFixed(0)} ms (${(auditMs / records).toFixed(1)} ms/record), significant shifts ${significant}`,
);
