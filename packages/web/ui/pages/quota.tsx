import { useContext, useEffect, useMemo, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import type { QuotaGauge, RateSeries } from '../../src/api/contract.js';
import { api } from '../api.js';
import { Chart, type ChartSeries } from '../components/chart.js';
import { Empty, ErrorBox, Loading, PageHeader } from '../components/common.js';
import { fmtInt, fmtWindow } from '../format.js';
import { LiveContext } from '../live.js';
import { useApi } from '../use-api.js';

const REFRESH_MS = 2000;
/** The charts show the last five minutes, a point per second. */
const SPAN_S = 300;
const LIMIT_COLORS = ['#d92d20', '#dc6803', '#7a5af8', '#0e9384'];

export function QuotaPage() {
  const live = useContext(LiveContext);
  const initial = useApi(() => api.quota(), []);
  const gauges = live.quota ?? initial.data;
  const [series, setSeries] = useState<RateSeries | undefined>(undefined);
  const [seriesError, setSeriesError] = useState<unknown>(undefined);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const next = await api.series();
        if (stopped) return;
        setSeries(next);
        setSeriesError(undefined);
      } catch (failure) {
        if (!stopped) setSeriesError(failure);
      }
      if (!stopped) timer = setTimeout(() => void load(), REFRESH_MS);
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);

  return (
    <section class="page">
      <PageHeader title="Quota" />
      <ErrorBox error={initial.error} />
      {gauges === undefined ? (
        initial.error === undefined && <Loading />
      ) : gauges.length === 0 ? (
        <Empty>No account is configured.</Empty>
      ) : (
        <div class="gauges">
          {gauges.map((g) => (
            <Gauge key={g.scope} gauge={g} />
          ))}
        </div>
      )}
      <h2 class="section-title">Rates, last five minutes</h2>
      <ErrorBox error={seriesError} />
      {series === undefined ? seriesError === undefined && <Loading /> : <Charts series={series} />}
    </section>
  );
}

function Meter({
  label,
  used,
  limit,
  left,
  testid,
}: {
  label: string;
  used: number;
  limit: number | undefined;
  left: number | undefined;
  testid: string;
}) {
  const ratio = limit !== undefined && limit > 0 ? Math.min(1, used / limit) : 0;
  const tone = ratio >= 0.9 ? 'bad' : ratio >= 0.7 ? 'warn' : 'good';
  return (
    <div class="meter" data-meter={testid}>
      <div class="meter-head">
        <span class="meter-label">{label}</span>
        <span class="num">
          <strong data-col="used">{fmtInt(used)}</strong>
          {limit !== undefined ? ` / ${fmtInt(limit)}` : ' used'}
        </span>
      </div>
      <div class="progress-bar">
        <div
          class={`progress-fill fill-${limit === undefined ? 'muted' : tone}`}
          style={{ width: `${(ratio * 100).toFixed(2)}%` }}
        />
      </div>
      <div class="meter-foot muted">
        {left !== undefined ? (
          <>
            <span class="num" data-col="left">
              {fmtInt(left)}
            </span>{' '}
            left
          </>
        ) : (
          'no cap'
        )}
      </div>
    </div>
  );
}

function Gauge({ gauge }: { gauge: QuotaGauge }) {
  return (
    <div class="card gauge" data-scope={gauge.scope}>
      <div class="card-head">
        <span class="mono">{gauge.scope}</span>
        <span class="muted small">
          {gauge.provider} · account {gauge.label}
        </span>
      </div>
      {gauge.windows.map((w) => (
        <Meter
          key={w.windowMs}
          label={`per ${fmtWindow(w.windowMs)}`}
          used={w.used}
          limit={w.limit}
          left={w.left}
          testid={`window-${w.windowMs}`}
        />
      ))}
      <Meter
        label={`today (${gauge.day.day})`}
        used={gauge.day.used}
        limit={gauge.day.limit}
        left={gauge.day.left}
        testid="day"
      />
    </div>
  );
}

const fmtRate = (perSecond: number): string =>
  perSecond >= 10 ? fmtInt(perSecond) : String(Math.round(perSecond * 100) / 100);

/** One line per distinct limit: interfaces limited alike share one. */
function distinctLimits(series: RateSeries): { perSecond: number; scopes: string[] }[] {
  const byRate = new Map<number, string[]>();
  for (const l of series.limits)
    byRate.set(l.perSecond, [...(byRate.get(l.perSecond) ?? []), l.scope]);
  return [...byRate].map(([perSecond, scopes]) => ({ perSecond, scopes }));
}

function Charts({ series }: { series: RateSeries }) {
  const { data, peakRows } = useMemo(() => {
    const end =
      series.points.length > 0
        ? Math.max(
            Math.floor(Date.now() / 1000),
            ...series.points.map((p) => Math.floor(p.t / 1000)),
          )
        : Math.floor(Date.now() / 1000);
    const start = end - SPAN_S + 1;
    const times: number[] = [];
    const requests: number[] = [];
    const rows: number[] = [];
    const index = new Map<number, { requests: number; rows: number }>();
    for (const p of series.points) {
      const second = Math.floor(p.t / 1000);
      const at = index.get(second) ?? { requests: 0, rows: 0 };
      index.set(second, { requests: at.requests + p.requests, rows: at.rows + p.rows });
    }
    for (let t = start; t <= end; t++) {
      times.push(t);
      requests.push(index.get(t)?.requests ?? 0);
      rows.push(index.get(t)?.rows ?? 0);
    }
    const limits = distinctLimits(series).map((l) => times.map(() => l.perSecond));
    return {
      data: {
        requests: [times, requests, ...limits] as uPlot.AlignedData,
        rows: [times, rows] as uPlot.AlignedData,
      },
      peakRows: Math.max(0, ...rows),
    };
  }, [series]);

  const requestSeries: ChartSeries[] = [
    { label: 'requests/s', color: '#1570ef', fill: 'rgba(21,112,239,0.12)', width: 1.5 },
    ...distinctLimits(series).map((l, i) => ({
      label:
        l.scopes.length === 1
          ? `limit ${fmtRate(l.perSecond)}/s (${l.scopes[0]})`
          : `limit ${fmtRate(l.perSecond)}/s each (${l.scopes.length} scopes)`,
      color: LIMIT_COLORS[i % LIMIT_COLORS.length] ?? '#d92d20',
      dash: [6, 4],
      width: 1.5,
    })),
  ];
  const rowSeries: ChartSeries[] = [
    { label: 'rows/s', color: '#079455', fill: 'rgba(7,148,85,0.12)', width: 1.5 },
  ];

  return (
    <div class="charts">
      <div class="card chart-card" data-chart-card="requests">
        <Chart
          title="Requests per second"
          series={requestSeries}
          data={data.requests}
          unit="req/s"
        />
      </div>
      <div class="card chart-card" data-chart-card="rows">
        <Chart title="Rows per second" series={rowSeries} data={data.rows} unit="rows/s" />
        {peakRows === 0 && (
          <div class="chart-note muted">No rows stored in the last five minutes.</div>
        )}
      </div>
    </div>
  );
}
