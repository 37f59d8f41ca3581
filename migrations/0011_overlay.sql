-- PGlite's PostGIS (WebAssembly) loses the whole row, without an error, when the floating-point
-- overlay inside ST_Difference fails, as it does for products that exactly tile their hazard;
-- the fixed-precision overlay (a grid size, GEOS OverlayNG) does not fail. A grid of 1e-10 degrees
-- (about 0.01 mm) changes no figure Safeground reports. Both backends use it, so they agree.
CREATE FUNCTION sg_difference(a geometry, b geometry) RETURNS geometry
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT ST_Difference(a, b, 1e-10) $$;
