import { normaliseName } from '../names.ts';
import type { FindCategory } from './ordnance.ts';

/** A model of the store's ordnance catalogue, as imports and reports match names against it. */
export interface CatalogueEntry {
  id: string;
  name: string;
  category: FindCategory;
}

/** The ordnance catalogue, keyed by normalised name so "TM 62 M" finds TM-62M. */
export class Catalogue {
  private readonly byKey = new Map<string, CatalogueEntry>();
  private readonly suggestions = new Map<string, string[]>();

  constructor(readonly entries: readonly CatalogueEntry[]) {
    for (const entry of entries) this.byKey.set(normaliseName(entry.name), entry);
  }

  find(name: string): CatalogueEntry | undefined {
    return this.byKey.get(normaliseName(name));
  }

  /** Up to three catalogue names nearest by edit distance, for "did you mean". */
  nearest(name: string): string[] {
    const key = normaliseName(name);
    const cached = this.suggestions.get(key);
    if (cached) return cached;
    const limit = Math.max(2, Math.floor(key.length / 3));
    const near = this.entries
      .map((entry) => ({ name: entry.name, distance: editDistance(key, normaliseName(entry.name)) }))
      .filter((c) => c.distance <= limit)
      .sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name))
      .slice(0, 3)
      .map((c) => c.name);
    this.suggestions.set(key, near);
    return near;
  }
}

/** Levenshtein distance. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
