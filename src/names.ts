/** Lower case, letters and digits only: "Found on" and "found_on" and "FOUND-ON" are one name. */
export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}
