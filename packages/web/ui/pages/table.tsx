import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Empty, ErrorBox, Loading, PageHeader } from '../components/common.js';
import { cellText, fmtInt } from '../format.js';
import { navigate, tableHref } from '../router.js';
import { useApi } from '../use-api.js';

const PAGE = 50;

export function TablePage({ sourceId }: { sourceId: string | undefined }) {
  const sources = useApi(() => api.sources(), []);
  const [offset, setOffset] = useState(0);

  const detail = useApi(
    () => (sourceId === undefined ? Promise.resolve(undefined) : api.source(sourceId)),
    [sourceId],
  );
  const page = useApi(
    () => (sourceId === undefined ? Promise.resolve(undefined) : api.rows(sourceId, offset, PAGE)),
    [sourceId, offset],
  );
  const rows = page.data;
  const known = sourceId !== undefined && (sources.data ?? []).some((s) => s.id === sourceId);
  const first = rows === undefined || rows.rows.length === 0 ? 0 : rows.offset + 1;
  const last = rows === undefined ? 0 : rows.offset + rows.rows.length;
  const primaryKey = new Set(detail.data?.primaryKey ?? []);
  // Numbers read right-aligned, header included: by the field's type, else by the values.
  const numericTypes = new Set(['int', 'float', 'decimal']);
  const fieldTypes = new Map((detail.data?.fields ?? []).map((f) => [f.name, f.type]));
  const numeric = new Set(
    (rows?.columns ?? []).filter((c) => {
      const type = fieldTypes.get(c);
      if (type !== undefined) return numericTypes.has(type);
      const values = (rows?.rows ?? [])
        .map((r) => r[c])
        .filter((v) => v !== null && v !== undefined);
      return values.length > 0 && values.every((v) => typeof v === 'number');
    }),
  );

  return (
    <section class="page">
      <PageHeader title="Table preview">
        <label class="inline">
          Source
          <select
            value={known ? sourceId : ''}
            onChange={(e) => navigate(tableHref(e.currentTarget.value))}
            data-filter="source"
          >
            {!known && <option value="">choose a source…</option>}
            {(sources.data ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.id}
              </option>
            ))}
          </select>
        </label>
      </PageHeader>
      <ErrorBox error={sources.error} />
      {sourceId === undefined ? (
        <Empty>Choose a source to see the rows stored for it.</Empty>
      ) : (
        <>
          {detail.data !== undefined && (
            <div class="table-meta">
              {detail.data.title !== undefined && <strong>{detail.data.title}</strong>}
              <span>
                table <span class="mono">{detail.data.table}</span>
              </span>
              <span>
                key <span class="mono">{detail.data.primaryKey.join(', ') || '—'}</span>
              </span>
              {detail.data.description !== undefined && (
                <span class="muted">{detail.data.description}</span>
              )}
            </div>
          )}
          <ErrorBox error={detail.error ?? page.error} />
          {rows === undefined ? (
            page.error === undefined && <Loading />
          ) : (
            <>
              <div class="pager">
                <span class="num" data-testid="range">
                  {rows.total === 0
                    ? 'No rows stored'
                    : `Rows ${fmtInt(first)}–${fmtInt(last)} of ${fmtInt(rows.total)}`}
                </span>
                <button
                  type="button"
                  disabled={rows.offset === 0 || page.loading}
                  onClick={() => setOffset(Math.max(0, rows.offset - PAGE))}
                  data-action="prev"
                >
                  ← Previous
                </button>
                <button
                  type="button"
                  disabled={last >= rows.total || page.loading}
                  onClick={() => setOffset(rows.offset + PAGE)}
                  data-action="next"
                >
                  Next →
                </button>
              </div>
              {rows.rows.length === 0 ? (
                <Empty>
                  Nothing stored for this source yet. Sync it from the{' '}
                  <a href="#/sources">Sources</a> page.
                </Empty>
              ) : (
                <div class="table-wrap">
                  <table class="grid data" data-table="rows">
                    <thead>
                      <tr>
                        <th class="r muted">#</th>
                        {rows.columns.map((c) => (
                          <th
                            key={c}
                            class={[primaryKey.has(c) ? 'pk' : '', numeric.has(c) ? 'r' : '']
                              .join(' ')
                              .trim()}
                          >
                            {c}
                          </th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {rows.rows.map((row, i) => (
                        <tr key={rows.offset + i}>
                          <td class="r muted num">{fmtInt(rows.offset + i + 1)}</td>
                          {rows.columns.map((c) => {
                            const value = row[c];
                            const isNull = value === null || value === undefined;
                            const shown = cellText(value);
                            return (
                              <td
                                key={c}
                                data-col={c}
                                class={isNull ? 'null' : numeric.has(c) ? 'r num' : undefined}
                                title={shown.length > 40 ? shown : undefined}
                              >
                                {shown}
                              </td>
                            );
                          })}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </>
          )}
        </>
      )}
    </section>
  );
}
