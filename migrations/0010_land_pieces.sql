-- Stored land-release accounting (docs/land-release.md, "Stored pieces"): each release product's
-- counted piece and each hazard's remaining area, as the accounting SQL computes them, so national
-- statistics add up stored figures instead of cutting every hazard's shapes on each request.
-- Each row carries the version and updated_at of the rows it was computed from: a row whose
-- fingerprint no longer matches is stale, and is computed again before statistics are summed.

CREATE TABLE land_hazard_remaining (
  hazard_id uuid PRIMARY KEY REFERENCES hazard (id) ON DELETE CASCADE,
  hazard_version integer NOT NULL,
  hazard_updated_at timestamptz NOT NULL,
  -- Hazard minus the union of all its products, geodesic m².
  remaining_m2 double precision NOT NULL,
  computed_at timestamptz NOT NULL DEFAULT now()
);

-- No foreign key to release_product: the piece of a product deleted outside the workflow stays
-- until the staleness check finds it (its product is gone) and computes its hazard again.
CREATE TABLE land_release_piece (
  product_id uuid PRIMARY KEY,
  hazard_id uuid NOT NULL REFERENCES hazard (id) ON DELETE CASCADE,
  product_version integer NOT NULL,
  product_updated_at timestamptz NOT NULL,
  activity_id uuid NOT NULL,
  method text NOT NULL CHECK (method IN ('cancelled', 'reduced', 'cleared')),
  release_date date NOT NULL,
  product_m2 double precision NOT NULL,
  inside_m2 double precision NOT NULL,
  outside_m2 double precision NOT NULL,
  -- What the product releases after precedence (cleared > reduced > cancelled, then date, then id).
  counted_m2 double precision NOT NULL,
  computed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX land_release_piece_hazard_idx ON land_release_piece (hazard_id);
CREATE INDEX land_release_piece_activity_idx ON land_release_piece (activity_id);
CREATE INDEX land_release_piece_date_idx ON land_release_piece (release_date, method);
