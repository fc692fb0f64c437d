import type { Custody, EventRec } from '../api';
import { LANES, laneOf, headline, type LaneId } from '../events';
import { fmtDate, sortKey, today } from '../format';

const LANE_H = 34;
const LEFT = 118;
const RIGHT = 16;
const TOP = 8;
const W = 1000;

function toTime(value: string): number {
  const k = sortKey(value);
  const t = Date.parse(k.length === 10 ? k + 'T12:00:00Z' : k);
  return Number.isNaN(t) ? 0 : t;
}

/**
 * The chronology as lanes over time: custody spans as bars, every other event
 * as a mark that links to its entry in the list below.
 */
export function Timeline({ events: all, custody, lanes, from }: { events: EventRec[]; custody?: Custody; lanes: Set<LaneId>; from?: string }) {
  const start = from ? toTime(from) : -Infinity;
  const events = all.filter((e) => toTime(e.date) >= start);
  // Lanes with something to draw; custody also when a custody span is in view.
  const shown = LANES.filter(
    (l) => lanes.has(l.id) && (events.some((e) => laneOf(e.type) === l.id) || (l.id === 'custody' && (custody?.history.length ?? 0) > 0)),
  );
  if (events.length === 0) return <p class="empty">No events to draw in this period.</p>;
  const now = today();
  const times = events.map((e) => toTime(e.date));
  const t0 = from ? start : Math.min(...times);
  const t1 = Math.max(...times, toTime(now));
  const span = Math.max(t1 - t0, 86400000 * 30);
  const pad = span * 0.02;
  const x = (t: number) => LEFT + ((t - t0 + pad) / (span + 2 * pad)) * (W - LEFT - RIGHT);
  const height = TOP + shown.length * LANE_H + 26;
  const laneY = new Map(shown.map((l, i) => [l.id, TOP + i * LANE_H]));

  const y0 = new Date(t0 - pad).getUTCFullYear();
  const y1 = new Date(t1 + pad).getUTCFullYear();
  const step = y1 - y0 > 12 ? 5 : y1 - y0 > 6 ? 2 : 1;
  // Ticks on 1 January, or on the first of each quarter or month when the span is short.
  const ticks: { t: number; label: string }[] = [];
  const months = span + 2 * pad <= 400 * 86400000 ? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] : [0, 3, 6, 9];
  if (y1 - y0 <= 2) {
    for (let y = y0; y <= y1; y++) {
      for (const m of months) {
        const t = Date.UTC(y, m, 1);
        if (t > t0 - pad && t < t1 + pad) ticks.push({ t, label: m === 0 ? String(y) : `${y}-${String(m + 1).padStart(2, '0')}` });
      }
    }
  } else {
    for (let y = y0 + 1; y <= y1; y++) if (y % step === 0) ticks.push({ t: Date.UTC(y, 0, 1), label: String(y) });
  }

  const custodyY = laneY.get('custody');
  return (
    <svg class="timeline" viewBox={`0 0 ${W} ${height}`} role="group" aria-label="Timeline of events by lane" data-testid="timeline">
      {shown.map((l, i) => (
        <g key={l.id}>
          <rect x={0} y={TOP + i * LANE_H} width={W} height={LANE_H} class={i % 2 ? 'tl-band tl-band-alt' : 'tl-band'} />
          <text x={8} y={TOP + i * LANE_H + LANE_H / 2 + 4} class="tl-lane-label">
            {l.label}
          </text>
        </g>
      ))}
      {ticks.map(({ t, label }) => {
        const xx = x(t);
        return (
          <g key={label}>
            <line x1={xx} x2={xx} y1={TOP} y2={height - 22} class="tl-grid" />
            <text x={xx} y={height - 8} text-anchor="middle" class="tl-year">
              {label}
            </text>
          </g>
        );
      })}
      {custody && custodyY !== undefined &&
        custody.history.map((h, i) => {
          if (toTime(h.to ?? now) < t0) return null;
          const a = x(Math.max(toTime(h.from), t0 - pad));
          const b = x(toTime(h.to ?? now));
          return (
            <rect key={i} x={a} y={custodyY + 9} width={Math.max(b - a, 3)} height={LANE_H - 18} class="tl-custody" rx="3">
              <title>
                {h.facility?.name ?? 'Custody'}: {fmtDate(h.from)} to {h.to ? fmtDate(h.to) : 'now'}
              </title>
            </rect>
          );
        })}
      <line x1={x(toTime(now))} x2={x(toTime(now))} y1={TOP} y2={height - 22} class="tl-today" />
      <text x={x(toTime(now))} y={TOP + 10} class="tl-today-label" text-anchor="end" dx="-3">
        today
      </text>
      {events.map((e) => {
        const ly = laneY.get(laneOf(e.type));
        if (ly === undefined) return null;
        const label = `${fmtDate(e.date)}: ${headline(e)}${e.note ? `. ${e.note}` : ''}`;
        return (
          <a key={e.id} href={`#evt-${e.id}`} aria-label={label} class="tl-mark-link">
            <circle cx={x(toTime(e.date))} cy={ly + LANE_H / 2} r={e.date.length < 10 ? 7 : 5.5} class={`tl-mark tl-${laneOf(e.type)}${e.retracted ? ' tl-retracted' : ''}${e.date.length < 10 ? ' tl-partial' : ''}`}>
              <title>{label}</title>
            </circle>
          </a>
        );
      })}
    </svg>
  );
}
