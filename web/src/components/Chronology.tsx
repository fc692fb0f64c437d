import { useEffect, useState } from 'preact/hooks';
import type { Custody, EventRec, Matter } from '../api';
import { LANES, headline, laneOf, typeLabel, type LaneId } from '../events';
import { Timeline } from './Timeline';
import { addDays, today } from '../format';
import { DateText, EventFields, RefName } from './ui';

function matches(e: EventRec, text: string): boolean {
  if (!text) return true;
  const hay = [headline(e), e.type, e.note ?? '', ...Object.values(e).filter((v) => typeof v === 'string')]
    .join(' ')
    .toLowerCase();
  return text
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}

/** The chronology: lanes drawn over time, and the same events as a filterable list. */
export function ChronologyPanel(props: {
  events: EventRec[];
  custody?: Custody;
  matters?: Matter[];
  showRetracted: boolean;
  onShowRetracted: (v: boolean) => void;
  idPrefix: string;
}) {
  const [lanes, setLanes] = useState<Set<LaneId>>(new Set(LANES.map((l) => l.id)));
  const [text, setText] = useState('');
  const [matter, setMatter] = useState('');
  const [period, setPeriod] = useState<'all' | 'year'>('all');
  const [highlight, setHighlight] = useState(window.location.hash.slice(1));
  useEffect(() => {
    const on = () => setHighlight(window.location.hash.slice(1));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  useEffect(() => {
    if (highlight) document.getElementById(highlight)?.scrollIntoView({ block: 'center' });
  }, [highlight, props.events]);

  const filtered = props.events.filter(
    (e) => lanes.has(laneOf(e.type)) && matches(e, text.trim()) && (!matter || e.matter === matter),
  );
  const id = (s: string) => `${props.idPrefix}-${s}`;
  const toggle = (l: LaneId) => {
    const next = new Set(lanes);
    if (next.has(l)) next.delete(l);
    else next.add(l);
    setLanes(next);
  };
  return (
    <div class="chronology">
      <fieldset class="filters">
        <legend>Filter the timeline and the list</legend>
        <div class="lane-toggles">
          {LANES.map((l) => (
            <label key={l.id} class={`lane-toggle tl-key-${l.id}`}>
              <input type="checkbox" checked={lanes.has(l.id)} onChange={() => toggle(l.id)} /> {l.label}
            </label>
          ))}
        </div>
        <div class="filter-row">
          <div>
            <label for={id('text')}>Words</label>
            <input id={id('text')} type="search" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
          </div>
          {props.matters && props.matters.length > 1 && (
            <div>
              <label for={id('matter')}>Matter</label>
              <select id={id('matter')} value={matter} onChange={(e) => setMatter((e.target as HTMLSelectElement).value)}>
                <option value="">All matters</option>
                {props.matters.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.title ?? m.id}
                  </option>
                ))}
              </select>
            </div>
          )}
          <fieldset class="period">
            <legend>Timeline shows</legend>
            <label class="checkbox">
              <input type="radio" name={id('period')} checked={period === 'all'} onChange={() => setPeriod('all')} /> the whole history
            </label>
            <label class="checkbox">
              <input type="radio" name={id('period')} checked={period === 'year'} onChange={() => setPeriod('year')} /> the past year and ahead
            </label>
          </fieldset>
          <label class="checkbox">
            <input type="checkbox" checked={props.showRetracted} onChange={(e) => props.onShowRetracted((e.target as HTMLInputElement).checked)} />{' '}
            Show retracted events
          </label>
        </div>
      </fieldset>
      <div class="timeline-wrap">
        <Timeline
          events={filtered}
          custody={lanes.has('custody') ? props.custody : undefined}
          lanes={lanes}
          from={period === 'year' ? addDays(today(), -365) : undefined}
        />
      </div>
      <p class="muted" aria-live="polite">
        {filtered.length === props.events.length ? `${filtered.length} events` : `${filtered.length} of ${props.events.length} events`}
      </p>
      <ol class="event-list" data-testid="chronology-list">
        {filtered.map((e) => (
          <li key={e.id} id={`evt-${e.id}`} class={`event-item lane-${laneOf(e.type)}${e.retracted ? ' retracted' : ''}${highlight === 'evt-' + e.id ? ' highlight' : ''}`}>
            <div class="event-head">
              <DateText value={e.date} />
              {headline(e) !== typeLabel(e.type) && <span class={`lane-chip tl-key-${laneOf(e.type)}`}>{typeLabel(e.type)}</span>}
              <a href={`/events/${e.id}`} class="event-title">
                {headline(e)}
              </a>
              {e.retracted && <span class="badge badge-retracted">retracted</span>}
              {e.version > 1 && <span class="badge badge-corrected">corrected (v{e.version})</span>}
            </div>
            {e.note && <p class="event-note">{e.note}</p>}
            <EventFields event={e} />
            {e.matter && (
              <p class="muted event-matter">
                Matter: <RefName id={e.matter} />
              </p>
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}
