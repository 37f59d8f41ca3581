import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { landStatistics } from '../land/statistics.ts';
import { casualtyStatistics } from '../statistics/casualties.ts';
import type { Db } from '../store/db.ts';
import { closeTestServer } from '../../test/support/store.ts';
import { testBackends } from '../../test/support/backends.ts';
import { CONVENTION_NAMES, treatyReport } from './report.ts';
import { treatyReportHtml, treatyReportXlsx } from './render.ts';

const cell = (table: { rows: (string | number | null)[][] }, label: string, column: number) => table.rows.find((r) => r[0] === label)?.[column];

/** The national demo (small scale): each treaty report's totals are the figures of report land and report casualties for the year. */
for (const backend of testBackends()) {
  describe(`treaty reports of the demo dataset on ${backend.name}`, () => {
    let db: Db;
    let year: number;
    before(async () => {
      db = await backend.openDemo();
      const byYear = await landStatistics(db, { by: [], period: 'year' });
      const casualtyYears = await casualtyStatistics(db, { groupings: [['period']], period: 'year' });
      // The latest year with land released by every method and with casualties, so no figure is trivially zero.
      const years = [...new Set(byYear.released.map((r) => r.period!))].filter(
        (y) => byYear.released.filter((r) => r.period === y && r.areaM2 > 0).length === 3 && casualtyYears.rows.some((r) => r.period === y && r.killed > 0),
      );
      year = Number(years.sort().at(-1));
      assert.ok(year > 0, `a demo year with releases and casualties (${JSON.stringify(years)})`);
    });
    after(() => closeTestServer({ db }));

    for (const convention of CONVENTION_NAMES) {
      test(`${convention}: the national totals equal report land and report casualties for the same year`, async () => {
        const report = await treatyReport(db, convention, year);
        const land = await landStatistics(db, { by: [], period: 'year', from: `${year}-01-01`, to: `${year}-12-31` });
        const casualties = await casualtyStatistics(db, { groupings: [], period: 'year', from: `${year}-01-01`, to: `${year}-12-31` });
        const figure = (name: string) => report.reconciliation.find((r) => r.figure.startsWith(name))!;
        assert.ok(land.totals.releasedM2.cleared > 0 && casualties.total.victims > 0, 'the demo year has figures');
        for (const method of ['cancelled', 'reduced', 'cleared'] as const) {
          assert.ok(Math.abs(figure(`Land ${method} in ${year}`).treaty - land.totals.releasedM2[method]) < 0.01, method);
        }
        const remainingThen = figure(`Remaining on 31 December ${year}`);
        assert.ok(remainingThen.treaty > 0 && Math.abs(remainingThen.treaty - remainingThen.register) < 0.01, 'remaining then = remaining now + released since');
        assert.equal(figure(`Casualties in ${year}`).treaty, casualties.total.victims);
        assert.equal(figure(`Killed in ${year}`).treaty, casualties.total.killed);
        assert.ok(report.reconciliation.every((r) => r.agrees));

        const victims = report.tables.find((t) => t.id === 'victims')!;
        assert.equal(cell(victims, 'All devices', 3), casualties.total.victims);
        // The convention's areas are a part of all areas: never more released or remaining than the national figures.
        const released = report.tables.find((t) => t.id === 'released-in-year')!;
        const allReleased = land.totals.releasedM2.cancelled + land.totals.releasedM2.reduced + land.totals.releasedM2.cleared;
        assert.ok((cell(released, 'Total', 4) as number) <= allReleased + 0.01);
        const remaining = report.tables.find((t) => t.id === 'remaining')!;
        // The demo's hazards have one version each, so every one of them is in the check above.
        assert.ok((cell(remaining, 'Total', 3) as number) <= remainingThen.treaty + 0.01);
        // Regions add up to the total.
        const regions = released.rows.filter((r) => r[0] !== 'Total').reduce((s, r) => s + (r[4] as number), 0);
        assert.ok(Math.abs(regions - (cell(released, 'Total', 4) as number)) < 0.01);
        for (const t of report.tables) assert.ok(t.source.sql || t.source.api, `${t.id} names its source`);
      });
    }

    test('the printable HTML has no script and every table with its source; the workbook has a sheet per table', async () => {
      const report = await treatyReport(db, 'apmbc', year);
      const html = treatyReportHtml(report, 'test');
      assert.doesNotMatch(html, /<script|javascript:|\son[a-z]+=/i);
      assert.match(html, /<svg[^>]*viewBox/);
      assert.match(html, /Every national total agrees/);
      for (const t of report.tables) assert.ok(html.includes(`<section id="${t.id}">`), t.id);
      assert.equal((html.match(/How these figures were produced/g) ?? []).length, report.tables.length);
      const workbook = new ExcelJS.Workbook();
      const bytes = await treatyReportXlsx(report, 'test');
      // exceljs types its input as an ArrayBuffer-backed Buffer; a Node Buffer is what it reads.
      await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
      assert.deepEqual(workbook.worksheets.map((w) => w.name), ['Report', ...report.tables.map((t) => t.id)]);
      const remaining = workbook.getWorksheet('remaining')!;
      const totalRow = remaining.getSheetValues().find((r) => Array.isArray(r) && r[1] === 'Total') as unknown[];
      assert.equal(totalRow[4], cell(report.tables.find((t) => t.id === 'remaining')!, 'Total', 3));
    });
  });
}
