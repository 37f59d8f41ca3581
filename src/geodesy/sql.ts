/**
 * Geodesic measures as PostGIS computes them, for the SQL of every store: areas are on the WGS84
 * ellipsoid (ST_Area on geography, which PostGIS computes with GeographicLib's algorithm), in m².
 */

/**
 * Geodesic area of the polygonal part of a shape. PostGIS cuts shapes along straight lines in
 * longitude and latitude (as GeoJSON draws edges), while a geodesic measure joins vertices by
 * geodesics; measured as they are, a hazard edge cut in two would gain or lose the sliver between
 * one long geodesic and two short ones (0.02 m² for a 111 m edge at 60°N), and the pieces would
 * not add up to the hazard. Densifying every edge along its straight line to 0.0001° (about 11 m)
 * before measuring gives hazard and pieces the same boundary; the measure stays within a few
 * parts per million of ST_Area on the undensified shape.
 */
export const DENSIFY_DEG = 0.0001;

/** SQL for the geodesic area, in m², of the polygonal part of the shape `sql` (see DENSIFY_DEG). */
export const geodesicArea = (sql: string) => `ST_Area(ST_Segmentize(ST_CollectionExtract(${sql}, 3), ${DENSIFY_DEG})::geography)`;
