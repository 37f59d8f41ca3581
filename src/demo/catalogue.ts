/**
 * Fixed reference rows of the demo: who works in the demo country and which ordnance they find.
 * Organisation names say "Demo" so nobody mistakes them for real ones; the ordnance models are
 * real designs, because a catalogue of invented ones would teach the wrong things.
 */

export type OrganisationKind = 'authority' | 'ngo' | 'commercial' | 'military' | 'un_agency';
export type FindCategory = 'ap_mine' | 'at_mine' | 'uxo' | 'axo' | 'submunition' | 'ied';

export interface DemoOrganisation {
  name: string;
  acronym: string;
  kind: OrganisationKind;
}

/** The national authority first; the rest are operators. */
export const ORGANISATIONS: readonly DemoOrganisation[] = [
  { name: 'Demo National Mine Action Authority', acronym: 'DNMAA', kind: 'authority' },
  { name: 'Demo Humanitarian Demining NGO', acronym: 'DHD', kind: 'ngo' },
  { name: 'Demo Mine Clearance Foundation', acronym: 'DMCF', kind: 'ngo' },
  { name: 'Demo Clearance Services Ltd', acronym: 'DCS', kind: 'commercial' },
  { name: 'Demo Army Engineer Battalion', acronym: 'DAEB', kind: 'military' },
  { name: 'Demo UN Mine Action Programme', acronym: 'DUNMAP', kind: 'un_agency' },
];

export interface OrdnanceModel {
  name: string;
  category: FindCategory;
  subcategory: string;
  explosiveMassG: number | null;
  metalContent: 'minimum' | 'low' | 'high' | null;
  fuze: string | null;
  /** Typical burial depth of finds, cm (0 = on the surface). */
  depthCm: readonly [number, number];
}

export const ORDNANCE_MODELS: readonly OrdnanceModel[] = [
  { name: 'PMN-2', category: 'ap_mine', subcategory: 'blast', explosiveMassG: 100, metalContent: 'low', fuze: 'integral pressure', depthCm: [2, 12] },
  { name: 'PFM-1', category: 'ap_mine', subcategory: 'blast, scatterable', explosiveMassG: 37, metalContent: 'low', fuze: 'integral pressure (deformation)', depthCm: [0, 5] },
  { name: 'POMZ-2M', category: 'ap_mine', subcategory: 'stake fragmentation', explosiveMassG: 75, metalContent: 'high', fuze: 'MUV-series tripwire', depthCm: [0, 0] },
  { name: 'OZM-72', category: 'ap_mine', subcategory: 'bounding fragmentation', explosiveMassG: 660, metalContent: 'high', fuze: 'MUV-series tripwire or pressure', depthCm: [5, 15] },
  { name: 'MON-50', category: 'ap_mine', subcategory: 'directional fragmentation', explosiveMassG: 700, metalContent: 'high', fuze: 'MUV-series tripwire or command', depthCm: [0, 0] },
  { name: 'TM-62M', category: 'at_mine', subcategory: 'blast', explosiveMassG: 7500, metalContent: 'high', fuze: 'MVCh-62 pressure', depthCm: [10, 30] },
  { name: 'Mortar bomb, 82 mm', category: 'uxo', subcategory: 'mortar bomb', explosiveMassG: 400, metalContent: 'high', fuze: 'impact', depthCm: [0, 40] },
  { name: 'Projectile, 122 mm', category: 'uxo', subcategory: 'artillery projectile', explosiveMassG: 3600, metalContent: 'high', fuze: 'impact', depthCm: [0, 60] },
  { name: 'Rocket, PG-7V', category: 'uxo', subcategory: 'rocket-propelled grenade', explosiveMassG: 730, metalContent: 'high', fuze: 'piezoelectric impact', depthCm: [0, 20] },
  { name: 'Hand grenade, F-1', category: 'uxo', subcategory: 'hand grenade', explosiveMassG: 60, metalContent: 'high', fuze: 'UZRGM delay', depthCm: [0, 10] },
  { name: 'Small arms ammunition cache', category: 'axo', subcategory: 'abandoned cache', explosiveMassG: null, metalContent: 'high', fuze: null, depthCm: [0, 30] },
  { name: 'Submunition, PTAB-2.5M', category: 'submunition', subcategory: 'shaped-charge bomblet', explosiveMassG: 450, metalContent: 'high', fuze: 'impact', depthCm: [0, 15] },
  { name: 'IED, victim-operated', category: 'ied', subcategory: 'pressure-operated', explosiveMassG: null, metalContent: 'minimum', fuze: 'improvised pressure plate', depthCm: [2, 15] },
];

export function ordnanceModel(name: string): OrdnanceModel {
  const model = ORDNANCE_MODELS.find((m) => m.name === name);
  if (!model) throw new Error(`Unknown demo ordnance model: ${name}`);
  return model;
}

/** Models found where a hazard's contamination says so, with how common each is. */
export const MODELS_BY_CONTAMINATION: Readonly<Record<string, readonly (readonly [string, number])[]>> = {
  ap_mine: [['PMN-2', 6], ['PFM-1', 2], ['POMZ-2M', 2], ['OZM-72', 1], ['MON-50', 1]],
  at_mine: [['TM-62M', 1]],
  erw_uxo: [['Mortar bomb, 82 mm', 4], ['Projectile, 122 mm', 2], ['Rocket, PG-7V', 2], ['Hand grenade, F-1', 3], ['Small arms ammunition cache', 1]],
  cluster_munition: [['Submunition, PTAB-2.5M', 1]],
  ied: [['IED, victim-operated', 1]],
};

/** Pairs of English and Spanish place words, for settlements with names in both languages. */
export const PLACE_WORDS: readonly (readonly [string, string])[] = [
  ['Pine Creek', 'Quebrada de los Pinos'],
  ['Stone Bridge', 'Puente de Piedra'],
  ['Green Valley', 'Valle Verde'],
  ['Red Hill', 'Loma Roja'],
  ['Palm Grove', 'El Palmar'],
  ['Long Ford', 'Vado Largo'],
  ['White Water', 'Agua Blanca'],
  ['High Meadow', 'Alto del Prado'],
  ['Cedar Hollow', 'Hondo de los Cedros'],
  ['Three Crosses', 'Tres Cruces'],
  ['Deep Well', 'Pozo Hondo'],
  ['Windy Pass', 'Paso del Viento'],
  ['Old Mill', 'Molino Viejo'],
  ['Bird Rock', 'Piedra de los Pájaros'],
  ['Cane Fields', 'Cañaveral'],
  ['Orange Grove', 'Naranjal'],
  ['Black Lake', 'Laguna Negra'],
  ['Round Mountain', 'Cerro Redondo'],
  ['Sandy Bank', 'Playa Arenosa'],
  ['Fig Tree', 'La Higuera'],
];

/** Saints' names for former (renamed) settlements. */
export const FORMER_NAMES: readonly string[] = ['San Isidro', 'Santa Ana', 'San José', 'Santa Rosa', 'San Pedro', 'La Esperanza', 'El Porvenir', 'La Unión'];
