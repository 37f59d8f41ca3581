/** Casualty figures counted from the accidents list: by year, sex, age group and victim group. */
import type { Accident } from '../types.ts';

import { type AgeGroup, ageGroup } from '../../../src/casualties/age.ts';

export { AGE_GROUPS, type AgeGroup, ageGroup } from '../../../src/casualties/age.ts';
export { VICTIM_GROUPS, VICTIM_OUTCOMES as OUTCOMES, VICTIM_SEXES as SEXES } from '../types.ts';

export interface CasualtyFigures {
  byYear: Map<string, { killed: number; injured: number }>;
  bySex: Map<string, number>;
  byAgeGroup: Map<AgeGroup, number>;
  byVictimGroup: Map<string, number>;
  total: number;
}

export function casualtyFigures(accidents: readonly Accident[]): CasualtyFigures {
  const figures: CasualtyFigures = { byYear: new Map(), bySex: new Map(), byAgeGroup: new Map(), byVictimGroup: new Map(), total: 0 };
  const add = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const accident of accidents) {
    const year = accident.occurredOn.slice(0, 4);
    for (const victim of accident.victims) {
      const row = figures.byYear.get(year) ?? { killed: 0, injured: 0 };
      row[victim.outcome === 'killed' ? 'killed' : 'injured'] += 1;
      figures.byYear.set(year, row);
      add(figures.bySex, victim.sex ?? 'unknown');
      add(figures.byAgeGroup, ageGroup(victim.ageMin ?? victim.age, victim.ageMax ?? victim.age));
      add(figures.byVictimGroup, victim.victimGroup ?? 'unknown');
      figures.total += 1;
    }
  }
  return figures;
}
