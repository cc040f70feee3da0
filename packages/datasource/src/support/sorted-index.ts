/**
 * In an ascending list (ISO days, timestamps), the index of the first item at or after
 * `value`, or with `after` strictly after it: a binary search, for calendars and time series.
 * @param from where the search starts (items before it are taken as smaller)
 */
export function sortedIndex<T extends number | string>(
  sorted: readonly T[],
  value: T,
  options: { readonly after?: boolean; readonly from?: number } = {},
): number {
  let low = options.from ?? 0;
  let high = sorted.length;
  const before = options.after === true ? (item: T) => item <= value : (item: T) => item < value;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (before(sorted[middle] as T)) low = middle + 1;
    else high = middle;
  }
  return low;
}
