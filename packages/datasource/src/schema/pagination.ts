import { z } from 'zod';
import { paramNameSchema } from './primitives.js';

/**
 * How one request's answer continues past a page:
 * - `offset` (Tushare): a full page (as many rows as `pageSize`) may mean more; ask again
 *   with `offset + pageSize`. Tushare truncates silently at its cap, so pageSize must not
 *   exceed the row cap.
 * - `cursor` (NDL tables): re-send with `cursorParam` set to `meta.next_cursor_id` until null.
 * - `none`: one answer is the whole answer.
 */
export const paginationSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({
    kind: z.literal('offset'),
    /** @default "limit" */
    limitParam: paramNameSchema.default('limit'),
    /** @default "offset" */
    offsetParam: paramNameSchema.default('offset'),
    pageSize: z.int().min(1),
  }),
  z.strictObject({
    kind: z.literal('cursor'),
    /** @default "qopts.cursor_id" */
    cursorParam: paramNameSchema.default('qopts.cursor_id'),
    /** @default "qopts.per_page" */
    pageSizeParam: paramNameSchema.default('qopts.per_page'),
    pageSize: z.int().min(1),
  }),
]);

export type PaginationInput = z.input<typeof paginationSchema>;
export type Pagination = z.output<typeof paginationSchema>;

export function paginationParams(pagination: Pagination): string[] {
  switch (pagination.kind) {
    case 'none':
      return [];
    case 'offset':
      return [pagination.limitParam, pagination.offsetParam];
    case 'cursor':
      return [pagination.cursorParam, pagination.pageSizeParam];
  }
}
