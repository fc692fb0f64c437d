import { useState } from 'preact/hooks';
import { api, enc, type EventRec } from '../api';
import { Card, DateText, ErrorBox, EventFields, Field, FieldValue, Loading, PageTitle, RefName } from '../components/ui';
import { headline, typeLabel } from '../events';
import { fmtDate, words } from '../format';
import { useLoad } from '../session';
import { useTitle } from './Dashboard';

interface History {
  id: string;
  versions: EventRec[];
}

const META = new Set(['id', 'version', 'created_at', 'updated_at', 'created_by', 'updated_by', 'retracted', 'retracted_reason', 'retract_reason']);

/** What changed from one version to the next, field by field. */
function changes(prev: EventRec | undefined, cur: EventRec): { field: string; from?: unknown; to?: unknown }[] {
  if (!prev) return [];
  const keys = new Set([...Object.keys(prev), ...Object.keys(cur)]);
  const out: { field: string; from?: unknown; to?: unknown }[] = [];
  for (const k of keys) {
    if (META.has(k)) continue;
    if (JSON.stringify(prev[k]) !== JSON.stringify(cur[k])) out.push({ field: k, from: prev[k], to: cur[k] });
  }
  if (!prev.retracted && cur.retracted) out.push({ field: 'retracted', from: false, to: true });
  return out;
}

export function EventPage({ id }: { id: string }) {
  const ev = useLoad((s) => api.get<EventRec>(`/events/${enc(id)}`, s), [id]);
  const hist = useLoad((s) => api.get<History>(`/events/${enc(id)}/history`, s), [id]);
  const [reason, setReason] = useState('');
  const [retractError, setRetractError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  useTitle(ev.data ? `${typeLabel(ev.data.type)} of ${fmtDate(ev.data.date)}` : 'Event');

  if (ev.error) return <><PageTitle>Event</PageTitle><ErrorBox error={ev.error} onRetry={ev.reload} /></>;
  if (!ev.data) return <Loading />;
  const e = ev.data;

  const retract = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setRetractError(null);
    try {
      await api.post<EventRec>(`/events/${enc(e.id)}/retract`, reason.trim() ? { reason: reason.trim() } : {}, e.version);
      setReason('');
      setConfirming(false);
      ev.reload();
      hist.reload();
    } catch (err) {
      setRetractError(err);
    } finally {
      setBusy(false);
    }
  };

  const versions = hist.data?.versions ?? [];
  return (
    <div class="event-page">
      <PageTitle
        sub={
          <span>
            {typeLabel(e.type)}, <DateText value={e.date} />, version {e.version}
          </span>
        }
      >
        {headline(e)}
      </PageTitle>
      {e.retracted && (
        <div class="retracted-banner" role="status">
          <strong>This event was retracted</strong>
          {typeof e.retraction_reason === 'string' && e.retraction_reason ? <>: {e.retraction_reason}</> : null}. It stays in its
          history but no longer counts in the chronology, custody, journey or deadlines.
        </div>
      )}
      <div class="actions-bar">
        <a class="button" href={`/people/${enc(e.subject)}#evt-${e.id}`}>
          Back to the chronology
        </a>
        {!e.retracted && (
          <a class="button primary" href={`/events/${enc(e.id)}/edit`}>
            Correct this event
          </a>
        )}
        {!e.retracted && !confirming && (
          <button type="button" class="danger" onClick={() => setConfirming(true)}>
            Retract…
          </button>
        )}
      </div>
      {confirming && !e.retracted && (
        <form class="card retract-form" onSubmit={retract}>
          <h2>Retract this event</h2>
          <p>Retract an event that is wrong or entered twice. It is kept, with the reason, in its history.</p>
          {retractError !== null && <ErrorBox error={retractError} context="Not retracted" />}
          <div class="form-row">
            <label for="retract-reason">Reason</label>
            <input id="retract-reason" value={reason} onInput={(x) => setReason((x.target as HTMLInputElement).value)} />
          </div>
          <div class="form-actions">
            <button type="submit" class="danger" disabled={busy}>
              {busy ? 'Retracting…' : 'Retract the event'}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </div>
        </form>
      )}
      <div class="grid">
        <Card title="The event" id="event-detail">
          <dl class="kv-list">
            <Field label="Person"><RefName id={e.subject} /></Field>
            <Field label="Date"><DateText value={e.date} /></Field>
            {e.matter && <Field label="Matter"><RefName id={e.matter} /></Field>}
            {e.note && <Field label="Note">{e.note}</Field>}
          </dl>
          <EventFields event={e} />
          <p class="muted">
            Recorded {e.created_at ? fmtDate(e.created_at) : ''}
            {e.created_by && ` by ${e.created_by}`}
            {e.version > 1 && <>; last changed {e.updated_at ? fmtDate(e.updated_at) : ''}{e.updated_by && ` by ${e.updated_by}`}</>}
          </p>
        </Card>
        <Card title="History" id="event-history">
          {hist.error && <ErrorBox error={hist.error} onRetry={hist.reload} />}
          {!hist.data && !hist.error && <Loading />}
          {versions.length > 0 && (
            <ol class="history" reversed>
              {[...versions].reverse().map((v, i, arr) => {
                const prev = arr[i + 1];
                const diff = changes(prev, v);
                return (
                  <li key={v.version}>
                    <div>
                      <strong>Version {v.version}</strong>{' '}
                      <span class="muted">
                        {v.updated_at ? fmtDate(v.updated_at) : ''}
                        {v.updated_by && ` by ${v.updated_by}`}
                      </span>
                      {v.retracted && <span class="badge badge-retracted">retracted</span>}
                    </div>
                    {!prev && <div class="muted">First recorded.</div>}
                    {diff.length > 0 && (
                      <ul class="diff">
                        {diff.map((d) => (
                          <li key={d.field}>
                            {words(d.field)}:{' '}
                            <del>{d.from === undefined ? 'not set' : <FieldValue name={d.field} value={d.from} />}</del> →{' '}
                            <ins>{d.to === undefined ? 'not set' : <FieldValue name={d.field} value={d.to} />}</ins>
                          </li>
                        ))}
                      </ul>
                    )}
                  </li>
                );
              })}
            </ol>
          )}
        </Card>
      </div>
    </div>
  );
}
