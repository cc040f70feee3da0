import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

const pad = (n: number): string => String(n).padStart(2, '0');
/** A tick's local time, `14:05:30`: one line, no date (the span is minutes). */
const clock = (seconds: number): string => {
  const date = new Date(seconds * 1000);
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
};

export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  readonly dash?: readonly number[];
  readonly fill?: string;
  readonly width?: number;
}

/**
 * A time chart (uPlot) that fills its container's width. `data[0]` is the time in seconds,
 * then one array per series; new data is drawn in place, the chart is built once.
 */
export function Chart({
  title,
  series,
  data,
  height = 200,
  unit,
}: {
  title: string;
  series: readonly ChartSeries[];
  data: uPlot.AlignedData;
  height?: number;
  unit: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const shape = series.map((s) => s.label).join('\u0000');

  useEffect(() => {
    const element = host.current;
    if (element === null) return;
    const width = Math.max(280, element.clientWidth);
    const chart = new uPlot(
      {
        title,
        width,
        height,
        series: [
          { label: 'time', value: (_self, t) => (t === null ? '—' : clock(t)) },
          ...series.map((s): uPlot.Series => ({
            label: s.label,
            stroke: s.color,
            width: s.width ?? 1.5,
            dash: s.dash === undefined ? undefined : [...s.dash],
            fill: s.fill,
            points: { show: false },
            value: (_self, value) => (value === null ? '—' : `${value} ${unit}`),
          })),
        ],
        scales: { y: { range: (_self, _min, max) => [0, Math.max(1, max) * 1.15] } },
        axes: [
          {
            stroke: '#475467',
            grid: { stroke: '#eaecf0' },
            ticks: { stroke: '#d0d5dd' },
            space: 70,
            values: (_self, splits) => splits.map((t) => clock(t)),
          },
          {
            stroke: '#475467',
            grid: { stroke: '#eaecf0' },
            ticks: { stroke: '#d0d5dd' },
            size: 48,
          },
        ],
        cursor: { drag: { x: false, y: false } },
        legend: { live: true },
      },
      data,
      element,
    );
    plot.current = chart;
    const observer = new ResizeObserver(() => {
      const next = Math.max(280, element.clientWidth);
      if (next !== chart.width) chart.setSize({ width: next, height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = undefined;
    };
    // The chart is rebuilt only when its series change; data flows through setData.
  }, [shape, height, title, unit]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div class="chart" ref={host} data-chart={title} />;
}
