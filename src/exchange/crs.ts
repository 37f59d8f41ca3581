import proj4 from 'proj4';
import { fileProblem } from './problems.ts';

export type Transform = (x: number, y: number) => [number, number];

/**
 * A transform to WGS84 longitude/latitude from a coordinate system given as WKT (a .prj file, a
 * GeoPackage SRS definition); null when the data is already WGS84 geographic. Field offices
 * often keep shapefiles in UTM, and reprojecting here is kinder than refusing them.
 */
export function toWgs84(wkt: string, file: string): Transform | null {
  const text = wkt.trim();
  if (/^GEOGCS\[\s*"(GCS_WGS_1984|WGS 84|WGS_1984|WGS84)"/i.test(text) || /^GEOGCRS\[\s*"WGS 84"/i.test(text)) return null;
  let converter: proj4.Converter;
  try {
    converter = proj4(text, 'WGS84');
  } catch (error) {
    throw fileProblem(`${file}: cannot use its coordinate system (${(error as Error).message}); reproject it to WGS84 (EPSG:4326) first`);
  }
  return (x, y) => converter.forward<[number, number]>([x, y]);
}
