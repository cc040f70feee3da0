import { createRequestArgs, type DataSource, type RequestArgs } from '@dsync/datasource';

/** What the synchronizer learnt from an answer page, for deciding whether another follows. */
export interface PageAnswer {
  /** Rows in the page. */
  readonly rows: number;
  /** NDL tables: `meta.next_cursor_id`. */
  readonly nextCursor?: string | null;
}

/**
 * The request for the page after `answer`, or undefined when it was the last one.
 * Offset paging (Tushare): a full page, as many rows as the page size, may mean more,
 * because Tushare cuts silently at its cap; ask again at the next offset. Cursor paging
 * (NDL tables): ask again with the cursor until it is null.
 */
export function nextPage(
  source: DataSource,
  args: RequestArgs,
  answer: PageAnswer,
): RequestArgs | undefined {
  const { pagination } = source;
  let params: RequestArgs['params'];
  if (pagination.kind === 'offset') {
    if (answer.rows < pagination.pageSize) return undefined;
    const offset = Number(args.params[pagination.offsetParam] ?? 0) + pagination.pageSize;
    params = {
      ...args.params,
      [pagination.limitParam]: pagination.pageSize,
      [pagination.offsetParam]: offset,
    };
  } else if (pagination.kind === 'cursor') {
    if (answer.nextCursor === undefined || answer.nextCursor === null || answer.nextCursor === '')
      return undefined;
    params = { ...args.params, [pagination.cursorParam]: answer.nextCursor };
  } else {
    return undefined;
  }
  return createRequestArgs(args.sourceId, args.api, params, {
    window: args.window,
    asOf: args.asOf,
    settles: args.settles,
  });
}

/** The page a request is: 0 for a first page, else a continuation (for cursors, 1 for every later page). */
export function pageOf(source: DataSource, args: RequestArgs): number {
  const p = source.pagination;
  if (p.kind === 'offset') return Math.floor(Number(args.params[p.offsetParam] ?? 0) / p.pageSize);
  if (p.kind === 'cursor') return args.params[p.cursorParam] === undefined ? 0 : 1;
  return 0;
}
