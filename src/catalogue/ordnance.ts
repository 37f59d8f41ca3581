/**
 * The categories of explosive ordnance, the same words in SQL, TypeScript, the API and exchange
 * files (a find's and an accident device's category are these).
 */
export const FIND_CATEGORIES = ['ap_mine', 'at_mine', 'uxo', 'axo', 'submunition', 'ied'] as const;
export type FindCategory = (typeof FIND_CATEGORIES)[number];

/** How much metal a model holds, for detection. */export const METAL_CONTENTS = ['minimum', 'low', 'high'] as const;
export type MetalContent = (typeof METAL_CONTENTS)[number];


/**
 * The ordnance catalogue every store starts with: models met in mine action, so that finds,
 * accidents and imports name devices consistently. Facts are given only where they are well
 * established in open references (main charge in grams, metal content for detection, fuze);
 * anything uncertain is null rather than guessed, and a catalogue editor can fill it in.
 */
export interface CatalogueModel {
  name: string;
  category: FindCategory;
  subcategory: string | null;
  explosiveMassG: number | null;
  metalContent: MetalContent | null;
  fuze: string | null;
  notes: string | null;
}

function model(name: string, category: FindCategory, subcategory: string | null, explosiveMassG: number | null, metalContent: MetalContent | null, fuze: string | null, notes: string | null = null): CatalogueModel {
  return { name, category, subcategory, explosiveMassG, metalContent, fuze, notes };
}

export const CATALOGUE: readonly CatalogueModel[] = [
  // Anti-personnel blast mines.
  model('PMN', 'ap_mine', 'blast', 240, 'low', 'integral pressure (MD-9 detonator)'),
  model('PMN-2', 'ap_mine', 'blast', 100, 'low', 'integral pressure'),
  model('PMN-4', 'ap_mine', 'blast', null, 'low', 'integral pressure'),
  model('PMA-2', 'ap_mine', 'blast', 100, 'minimum', 'UPMAH-2 pressure'),
  model('PMA-3', 'ap_mine', 'blast', 35, 'minimum', 'integral pressure'),
  model('PFM-1', 'ap_mine', 'blast, scatterable', 37, 'low', 'integral pressure (deformation)', 'Scattered by rockets, aircraft and helicopters; liquid explosive.'),
  // Anti-personnel fragmentation mines.
  model('POMZ-2M', 'ap_mine', 'stake fragmentation', 75, 'high', 'MUV-series tripwire'),
  model('OZM-4', 'ap_mine', 'bounding fragmentation', 170, 'high', 'MUV-series tripwire'),
  model('OZM-72', 'ap_mine', 'bounding fragmentation', 660, 'high', 'MUV-series tripwire or pressure'),
  model('PROM-1', 'ap_mine', 'bounding fragmentation', 425, 'high', 'UPROM-1 pressure or tripwire'),
  model('MON-50', 'ap_mine', 'directional fragmentation', 700, 'high', 'MUV-series tripwire or command'),
  model('MON-90', 'ap_mine', 'directional fragmentation', 6200, 'high', 'tripwire or command'),
  model('MON-100', 'ap_mine', 'directional fragmentation', 2000, 'high', 'tripwire or command'),
  // Anti-tank mines.
  model('TM-57', 'at_mine', 'blast', 6340, 'high', 'MVZ-57 pressure'),
  model('TM-62M', 'at_mine', 'blast', 7500, 'high', 'MVCh-62 pressure'),
  model('TM-62P', 'at_mine', 'blast, plastic case', null, null, 'MVCh-62 or MVP-62 pressure'),
  model('TM-83', 'at_mine', 'off-route, explosively formed penetrator', null, 'high', 'seismic sensor with infrared trigger'),
  // Submunitions.
  model('M77', 'submunition', 'dual-purpose improved conventional munition', null, 'high', 'M223 impact', 'Delivered by the M26 rocket (MLRS).'),
  model('9N210', 'submunition', 'fragmentation', null, 'high', 'impact', 'Delivered by the 9M27K rocket (Uragan).'),
  model('BLU-97/B', 'submunition', 'combined effects bomblet', 287, 'high', 'impact', 'Delivered by the CBU-87 dispenser.'),
  model('PTAB-1M', 'submunition', 'shaped charge', null, 'high', 'impact', 'Delivered by RBK-500 cluster bombs.'),
  // Unexploded ordnance classes, for finds whose exact model is not known.
  model('Mortar bomb', 'uxo', 'mortar bomb', null, 'high', null),
  model('Artillery projectile', 'uxo', 'artillery projectile', null, 'high', null),
  model('Rocket', 'uxo', 'rocket', null, 'high', null),
  model('Hand grenade', 'uxo', 'hand grenade', null, 'high', null),
  model('Aircraft bomb', 'uxo', 'aircraft bomb', null, 'high', null),
];
