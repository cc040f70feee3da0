import { distance } from 'fastest-levenshtein';

/**
 * The known ids nearest to an unknown one, best first: those that end with what was typed
 * (`daily` → `tushare.daily`), then those within a few edits.
 */
export function nearestIds(wanted: string, known: Iterable<string>, max = 3): string[] {
  const needle = wanted.toLowerCase();
  const scored: { id: string; score: number }[] = [];
  for (const id of known) {
    const hay = id.toLowerCase();
    const tail = hay.slice(hay.indexOf('.') + 1);
    const edits = Math.min(distance(needle, hay), distance(needle, tail));
    const score = hay.endsWith(`.${needle}`) ? 0 : edits;
    if (score <= Math.max(2, Math.floor(needle.length / 3))) scored.push({ id, score });
  }
  return scored
    .sort((a, b) => a.score - b.score || a.id.localeCompare(b.id))
    .slice(0, max)
    .map((s) => s.id);
}
