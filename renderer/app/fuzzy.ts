/** A fuzzy match: its score (higher is better) and the matched character positions (for highlighting). */
export interface FuzzyMatch {
  readonly score: number;
  readonly positions: readonly number[];
}

const wordStartBonus = 3;
const runBonus = 5;
const firstCharBonus = 2;
const gapPenalty = 0.5;
const substringBonus = 10;
const titlePrefixBonus = 8;

function isWordStart(text: string, index: number): boolean {
  if (index === 0) return true;
  const before = text[index - 1] ?? ' ';
  return /[\s:/\-_.()…]/.test(before) || (/[a-z]/.test(before) && /[A-Z]/.test(text[index] ?? ''));
}

/**
 * Matches `query` as a subsequence of `text`, case-insensitively (spaces in the query are ignored), choosing the
 * best alignment: word starts and runs of consecutive characters score higher, gaps cost a little. A label of the
 * form `Category: Title` whose title starts with the query gets a bonus. Dynamic programming over
 * query × text: cheap for palette-sized lists.
 */
export function fuzzyMatch(query: string, text: string): FuzzyMatch | null {
  const needle = query.toLowerCase().replace(/\s+/g, '');
  if (needle.length === 0) return { score: 0, positions: [] };
  const haystack = text.toLowerCase();
  const n = haystack.length;
  const m = needle.length;
  if (m > n) return null;
  // best[i][j]: best score with needle[i] at haystack[j]; from[i][j]: where needle[i-1] sat.
  const best: Float64Array[] = [];
  const from: Int32Array[] = [];
  for (let i = 0; i < m; i++) {
    const row = new Float64Array(n).fill(-Infinity);
    const back = new Int32Array(n).fill(-1);
    let runningMax = -Infinity;
    let runningAt = -1;
    for (let j = 0; j < n; j++) {
      if (i > 0 && j >= 2) {
        const candidate = best[i - 1]![j - 2]!;
        if (candidate > runningMax) {
          runningMax = candidate;
          runningAt = j - 2;
        }
      }
      if (haystack[j] !== needle[i]) continue;
      const bonus = (isWordStart(text, j) ? wordStartBonus : 0) + (j === 0 ? firstCharBonus : 0);
      if (i === 0) {
        row[j] = bonus;
        continue;
      }
      const adjacent = j >= 1 ? best[i - 1]![j - 1]! + runBonus : -Infinity;
      const gapped = runningMax - gapPenalty;
      if (adjacent === -Infinity && gapped === -Infinity) continue;
      row[j] = bonus + Math.max(adjacent, gapped);
      back[j] = adjacent >= gapped ? j - 1 : runningAt;
    }
    best.push(row);
    from.push(back);
  }
  let end = -1;
  let score = -Infinity;
  best[m - 1]!.forEach((value, j) => {
    if (value > score) {
      score = value;
      end = j;
    }
  });
  if (end < 0) return null;
  const positions: number[] = [];
  for (let i = m - 1, j = end; i >= 0; j = from[i]![j]!, i--) positions.unshift(j);
  const plain = query.toLowerCase().trim();
  if (haystack.includes(plain)) score += substringBonus;
  const title = haystack.slice(haystack.indexOf(': ') + 2);
  if (haystack.includes(': ') && title.startsWith(plain)) score += titlePrefixBonus;
  return { score, positions };
}

/** Filters and ranks items by a fuzzy query over `textOf(item)`; ties keep the original order. */
export function fuzzyFilter<T>(items: readonly T[], query: string, textOf: (item: T) => string): Array<{ item: T; match: FuzzyMatch }> {
  const matched: Array<{ item: T; match: FuzzyMatch; order: number }> = [];
  items.forEach((item, order) => {
    const match = fuzzyMatch(query, textOf(item));
    if (match) matched.push({ item, match, order });
  });
  matched.sort((a, b) => b.match.score - a.match.score || a.order - b.order);
  return matched.map(({ item, match }) => ({ item, match }));
}
