import { useState } from 'preact/hooks';
import { api, enc, getAll, type Deadline, type EventRec, type Matter } from '../api';
import { Card, DateText, DeadlineItem, Empty, ErrorBox, Loading, PageTitle, sortDeadlines } from '../components/ui';
import { headline } from '../events';
import { addDays, dayOf, fmtDate, today } from '../format';
import { useLoad, useSession } from '../session';
import { useTitle } from './Dashboard';

interface Hearing {
  event: EventRec;
  client: string;
  when: string;
}

export function Agenda() {
  const { me } = useSession();
  useTitle('Agenda');
  const [from, setFrom] = useState(addDays(today(), -7));
  const [to, setTo] = useState(addDays(today(), 90));
  const [range, setRange] = useState({ from, to });
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(range.from) && /^\d{4}-\d{2}-\d{2}$/.test(range.to);

  const deadlines = useLoad(
    (s) => api.get<{ deadlines: Deadline[] }>(`/deadlines?from=${enc(range.from)}&to=${enc(range.to)}`, s),
    [range.from, range.to],
  );
  const hearings = useLoad(async (s) => {
    const mine = (await getAll<Matter>('matters', s)).filter((m) => (m.team ?? []).includes(me.username));
    const clients = [...new Set(mine.map((m) => m.client))];
    const out: Hearing[] = [];
    for (const c of clients) {
      const [person, chron] = await Promise.all([
        api.get<{ name: string }>(`/people/${enc(c)}`, s),
        api.get<{ events: EventRec[] }>(`/people/${enc(c)}/chronology`, s),
      ]);
      for (const e of chron.events) {
        if (e.type !== 'hearing' || e.status === 'cancelled' || e.status === 'moved') continue;
        const when = String(e.datetime ?? e.date);
        const d = dayOf(when);
        if (d.length === 10 && d >= range.from && d <= range.to) out.push({ event: e, client: person.name, when });
      }
    }
    return out.sort((a, b) => (a.when < b.when ? -1 : 1));
  }, [range.from, range.to, me.username]);

  return (
    <div>
      <PageTitle sub="Hearings and deadlines on your matters. Times are shown in the zone they were recorded in.">Agenda</PageTitle>
      <form
        class="card range-form"
        onSubmit={(e) => {
          e.preventDefault();
          setRange({ from, to });
        }}
      >
        <div class="form-row">
          <label for="agenda-from">From</label>
          <input id="agenda-from" type="date" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
        </div>
        <div class="form-row">
          <label for="agenda-to">To</label>
          <input id="agenda-to" type="date" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit" class="primary">
          Show
        </button>
      </form>
      {!valid && <ErrorBox error={new Error('Give both dates as YYYY-MM-DD.')} />}
      <div class="grid">
        <Card title={`Hearings, ${fmtDate(range.from)} to ${fmtDate(range.to)}`} id="agenda-hearings">
          {hearings.error && <ErrorBox error={hearings.error} onRetry={hearings.reload} />}
          {!hearings.data && !hearings.error && <Loading />}
          {hearings.data && hearings.data.length === 0 && <Empty>No hearing in this range.</Empty>}
          <ul class="plain-list">
            {(hearings.data ?? []).map((h) => (
              <li key={h.event.id}>
                <DateText value={h.when} /> <a href={`/events/${h.event.id}`}>{headline(h.event)}</a> for{' '}
                <a href={`/people/${h.event.subject}`}>{h.client}</a>
                {h.event.court ? <span class="muted"> · {String(h.event.court)}</span> : null}
              </li>
            ))}
          </ul>
        </Card>
        <CalendarFeed />
      </div>
      <Card title="Deadlines" id="agenda-deadlines" class="wide">
        {deadlines.error && <ErrorBox error={deadlines.error} onRetry={deadlines.reload} />}
        {!deadlines.data && !deadlines.error && <Loading />}
        {deadlines.data && deadlines.data.deadlines.length === 0 && <Empty>No open or missed deadline in this range.</Empty>}
        {deadlines.data && (
          <ul class="deadlines">
            {sortDeadlines(deadlines.data.deadlines).map((d) => (
              <DeadlineItem d={d} showClient key={d.rule + d.trigger_event} />
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}

function CalendarFeed() {
  const [url, setUrl] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [stopped, setStopped] = useState(false);
  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<{ url: string }>('/calendar/feed');
      setUrl(window.location.origin + r.url);
      setStopped(false);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const stop = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.del('/calendar/feed');
      setUrl('');
      setStopped(true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Calendar feed" id="calendar-feed">
      <p>
        Subscribe to your hearings and deadlines from a calendar app. The link carries a secret: anyone with it can read the
        feed. A new link stops the previous one.
      </p>
      {error !== null && <ErrorBox error={error} />}
      {url && (
        <div class="form-row">
          <label for="feed-url">Your feed address</label>
          <input id="feed-url" readOnly value={url} onFocus={(e) => (e.target as HTMLInputElement).select()} />
          <p class="hint">Copy it into your calendar app's “subscribe to calendar” or “add by URL”. It is shown only now.</p>
        </div>
      )}
      {stopped && <p role="status">The feed is stopped; the old address no longer works.</p>}
      <div class="actions-bar">
        <button type="button" class="primary" onClick={create} disabled={busy}>
          {url ? 'Make a new link' : 'Create feed link'}
        </button>
        <button type="button" onClick={stop} disabled={busy}>
          Stop the feed
        </button>
      </div>
    </Card>
  );
}
