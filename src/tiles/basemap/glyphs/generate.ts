/**
 * Regenerates the committed glyphs (SDF PBF ranges, as MapLibre's `glyphs` URL expects) from
 * Noto Sans and Noto Sans Armenian (Debian's fonts-noto-core, SIL Open Font License 1.1), for
 * the Unicode ranges Safeground's languages need: Latin with Azerbaijani and Spanish letters,
 * Cyrillic, Armenian and punctuation.
 *
 *   apt-get install fonts-noto-core chromium
 *   node --import tsx src/tiles/basemap/glyphs/generate.ts
 *
 * Rasterising is TinySDF's (@mapbox/tiny-sdf, what MapLibre itself uses for glyphs it draws
 * locally), run in Chromium because it draws with a 2D canvas; each font is loaded by its own
 * @font-face and given only the code points its cmap holds (from fontconfig's fc-query), so no
 * system font stands in for a missing glyph.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PbfWriter } from 'pbf';
import { chromium } from 'playwright-core';
import { GLYPH_RANGES } from '../glyphRanges.ts';

const FONTS = {
  latin: '/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf',
  armenian: '/usr/share/fonts/truetype/noto/NotoSansArmenian-Regular.ttf',
} as const;
const OUT = fileURLToPath(new URL('./NotoSans-Regular/', import.meta.url));
/** The glyph PBF convention (node-fontnik's): 24 px, 3 px buffer, radius 8, cutoff 0.25. */
const SDF = { fontSize: 24, buffer: 3, radius: 8, cutoff: 0.25 };
/** Noto Sans's ascender at 24 px, rounded: PBF glyph tops are measured from it, not from the baseline. */
const ASCENDER = 26;

interface Glyph {
  id: number;
  width: number;
  height: number;
  left: number;
  top: number;
  advance: number;
  /** Base64 SDF bitmap of (width + 6) × (height + 6) bytes; empty for glyphs without ink. */
  bitmap: string;
}

/** The code points a font maps, from fc-query's charset ("20-7e a0-377 ..."). */
function codePoints(font: string): Set<number> {
  const charset = execFileSync('fc-query', ['--format', '%{charset}', font], { encoding: 'utf8' });
  const points = new Set<number>();
  for (const part of charset.trim().split(/\s+/)) {
    const [low, high = low] = part.split('-').map((hex) => Number.parseInt(hex, 16));
    for (let cp = low!; cp <= high!; cp++) points.add(cp);
  }
  return points;
}

function encodeRange(start: number, glyphs: readonly Glyph[]): Uint8Array {
  const pbf = new PbfWriter();
  pbf.writeMessage(1, (_: null, stack: PbfWriter) => {
    stack.writeStringField(1, 'Noto Sans Regular');
    stack.writeStringField(2, `${start}-${start + 255}`);
    for (const glyph of glyphs) {
      stack.writeMessage(3, (g: Glyph, out: PbfWriter) => {
        out.writeVarintField(1, g.id);
        if (g.bitmap) out.writeBytesField(2, Buffer.from(g.bitmap, 'base64'));
        out.writeVarintField(3, g.width);
        out.writeVarintField(4, g.height);
        out.writeSVarintField(5, g.left);
        out.writeSVarintField(6, g.top);
        out.writeVarintField(7, g.advance);
      }, glyph);
    }
  }, null);
  return pbf.finish();
}

async function main(): Promise<void> {
  const armenian = codePoints(FONTS.armenian);
  const latin = codePoints(FONTS.latin);
  const wanted = GLYPH_RANGES.flatMap((start) => Array.from({ length: 256 }, (_, i) => start + i));
  const jobs = wanted
    .filter((cp) => cp >= 0x20 && (armenian.has(cp) || latin.has(cp)))
    .map((cp) => ({ cp, font: armenian.has(cp) && (cp >= 0x530 || !latin.has(cp)) ? 'armenian' : 'latin' }));

  const tinySdf = readFileSync(fileURLToPath(import.meta.resolve('@mapbox/tiny-sdf')), 'utf8').replace('export default class TinySDF', 'globalThis.TinySDF = class TinySDF');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><title>glyphs</title>');
    await page.addScriptTag({ content: tinySdf });
    const fonts = Object.fromEntries(Object.entries(FONTS).map(([name, path]) => [name, readFileSync(path).toString('base64')]));
    const glyphs = await page.evaluate(
      async ({ fonts, jobs, sdf, ascender }) => {
        // This runs in the page: the DOM's types are not Node's.
        const page = globalThis as unknown as { FontFace: new (family: string, data: Uint8Array) => { load(): Promise<unknown> }; document: { fonts: { add(face: unknown): void } } };
        for (const [name, data] of Object.entries(fonts)) {
          const face = new page.FontFace(`sg-${name}`, Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
          page.document.fonts.add(await face.load());
        }
        type Drawer = { draw(c: string): { data: Uint8ClampedArray; glyphWidth: number; glyphHeight: number; glyphTop: number; glyphLeft: number; glyphAdvance: number } };
        const { TinySDF } = globalThis as unknown as { TinySDF: new (options: object) => Drawer };
        const drawers: Record<string, Drawer> = {};
        for (const name of Object.keys(fonts)) drawers[name] = new TinySDF({ ...sdf, fontFamily: `sg-${name}` });
        return jobs.map(({ cp, font }) => {
          const g = drawers[font]!.draw(String.fromCodePoint(cp));
          const empty = g.glyphWidth === 0 || g.glyphHeight === 0;
          return {
            id: cp,
            width: empty ? 0 : g.glyphWidth,
            height: empty ? 0 : g.glyphHeight,
            left: empty ? 0 : g.glyphLeft,
            top: empty ? 0 : g.glyphTop - ascender,
            advance: Math.round(g.glyphAdvance),
            bitmap: empty ? '' : btoa(String.fromCharCode(...g.data)),
          };
        });
      },
      { fonts, jobs, sdf: SDF, ascender: ASCENDER },
    );
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    for (const start of GLYPH_RANGES) {
      const inRange = glyphs.filter((g) => g.id >= start && g.id <= start + 255);
      writeFileSync(`${OUT}${start}-${start + 255}.pbf`, encodeRange(start, inRange));
      process.stdout.write(`${start}-${start + 255}: ${inRange.length} glyphs\n`);
    }
  } finally {
    await browser.close();
  }
}

await main();
