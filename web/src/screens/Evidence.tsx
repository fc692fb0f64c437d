import type { ComponentChild } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { ApiError, api, enc, getAll, uploadFile, type CustodyEntry, type EventRec, type Evidence, type Matter } from '../api';
import { RefPicker } from '../components/inputs';
import { Card, DateText, Empty, ErrorBox, Field, Loading, PageTitle, RefName } from '../components/ui';
import { headline, typeLabel } from '../events';
import { loadSchema } from '../schema';
import { fmtDate, words } from '../format';
import { fmtBytes } from '../format_bytes';
import { nameOf } from '../names';
import { navigate } from '../router';
import { useLoad } from '../session';
import { useTitle } from './Dashboard';

/** The vault's records of a person or a matter, newest last. */
export function EvidenceList({ subject, matter }: { subject?: string; matter?: string }) {
  const q = subject ? `subject=${enc(subject)}` : `matter=${enc(matter ?? '')}`;
  const list = useLoad((s) => api.get<{ items: Evidence[] }>(`/evidence?${q}&limit=200`, s), [q]);
  if (list.error) return <ErrorBox error={list.error} onRetry={list.reload} context="The evidence vault could not be read" />;
  if (!list.data) return <Loading />;
  if (!list.data.items.length) return <Empty>No files in the evidence vault.</Empty>;
  return (
    <ul class="plain-list" data-testid="evidence-list">
      {list.data.items.map((e) => (
        <li key={e.id}>
          <a href={`/evidence/${e.id}`}>{e.title || e.filename || e.id}</a>{' '}
          <span class="muted">
            {[e.media_type, fmtBytes(e.size), e.captured && `captured ${fmtDate(e.captured)}`, e.parent && 'redacted copy'].filter(Boolean).join(' · ')}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function EvidenceUpload({ query }: { query: URLSearchParams }) {
  useTitle('Add evidence');
  const subject = query.get('subject') ?? '';
  const [matter, setMatter] = useState(query.get('matter') ?? '');
  const [title, setTitle] = useState('');
  const [captured, setCaptured] = useState('');
  const [sourceUrl, setSourceUrl] = useState('');
  const [note, setNote] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [done, setDone] = useState<Evidence | null>(null);
  const abort = useRef<AbortController | null>(null);
  const matters = useLoad(async (s) => (subject ? (await getAll<Matter>('matters', s)).filter((m) => m.client === subject) : []), [subject]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setDone(null);
    if (!file) {
      setError(new ApiError(422, 'invalid', 'Choose the file to add.', 'file'));
      return;
    }
    const params = new URLSearchParams({ subject, filename: file.name });
    if (matter) params.set('matter', matter);
    if (title.trim()) params.set('title', title.trim());
    if (captured.trim()) params.set('captured', captured.trim());
    if (sourceUrl.trim()) params.set('source_url', sourceUrl.trim());
    if (note.trim()) params.set('note', note.trim());
    abort.current = new AbortController();
    setProgress({ sent: 0, total: file.size });
    try {
      const stored = await uploadFile<Evidence>(`/evidence?${params}`, file, (sent, total) => setProgress({ sent, total }), abort.current.signal);
      setDone(stored);
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') setError(new Error('The upload was cancelled; nothing was stored.'));
      else setError(err as Error);
    } finally {
      abort.current = null;
      setProgress(null);
    }
  };

  const fieldError = (f: string) => (error instanceof ApiError && error.field === f ? error.message : undefined);
  const general = error && !(error instanceof ApiError && ['file', 'title', 'captured', 'source_url', 'note', 'matter', 'subject'].includes(error.field ?? '')) ? error : null;
  const pct = progress && progress.total ? Math.floor((progress.sent / progress.total) * 100) : 0;
  const row = (id: string, label: string, control: ComponentChild, hint?: string) => (
    <div class={'form-row' + (fieldError(id) ? ' has-error' : '')} data-field={id}>
      <label for={`evu-${id}`}>{label}</label>
      {hint && (
        <p class="hint" id={`evu-${id}-hint`}>
          {hint}
        </p>
      )}
      {control}
      {fieldError(id) && (
        <p class="field-error" id={`evu-${id}-err`}>
          {fieldError(id)}
        </p>
      )}
    </div>
  );
  const aria = (id: string, hint = false) => ({
    id: `evu-${id}`,
    'aria-invalid': fieldError(id) ? true : undefined,
    'aria-describedby': [hint ? `evu-${id}-hint` : '', fieldError(id) ? `evu-${id}-err` : ''].filter(Boolean).join(' ') || undefined,
  });

  return (
    <div>
      <PageTitle sub={subject ? <span>For <RefName id={subject} /></span> : undefined}>Add evidence</PageTitle>
      {!subject && <ErrorBox error={new Error('Open this page from a person: the evidence needs a subject.')} />}
      {done ? (
        <Card title="Stored in the vault" id="upload-done">
          <dl class="kv-list">
            <Field label="File">{file?.name}</Field>
            <Field label="Size">{fmtBytes(done.size)}</Field>
            <Field label="Type">{done.media_type}</Field>
            <Field label="SHA-256">
              <code class="hash" data-testid="evidence-sha256">
                {done.sha256}
              </code>
            </Field>
          </dl>
          <div class="actions-bar">
            <a class="button primary" href={`/evidence/${done.id}`}>
              Open the record
            </a>
            <button
              type="button"
              onClick={() => {
                setDone(null);
                setFile(null);
                setTitle('');
                setNote('');
              }}
            >
              Add another file
            </button>
          </div>
        </Card>
      ) : (
        <form class="card" onSubmit={submit} noValidate>
          {general && <ErrorBox error={general} context="Not stored" />}
          {row(
            'file',
            'File',
            <input {...aria('file', true)} type="file" onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} />,
            'Any size; it is encrypted in the vault and its SHA-256 recorded as it arrives.',
          )}
          {row('title', 'Title', <input {...aria('title')} value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />)}
          {row(
            'matter',
            'Matter',
            <select {...aria('matter')} value={matter} onChange={(e) => setMatter((e.target as HTMLSelectElement).value)}>
              <option value="">None</option>
              {(matters.data ?? []).map((m) => (
                <option key={m.id} value={m.id}>
                  {m.title ?? m.id}
                </option>
              ))}
            </select>,
          )}
          {row('captured', 'Captured', <input {...aria('captured', true)} value={captured} onInput={(e) => setCaptured((e.target as HTMLInputElement).value)} />, 'When it was recorded: 2020, 2020-06, 2020-06-14 or a date-time with its UTC offset.')}
          {row('source_url', 'Found at (web address)', <input {...aria('source_url')} type="url" value={sourceUrl} onInput={(e) => setSourceUrl((e.target as HTMLInputElement).value)} />)}
          {row('note', 'Note', <textarea {...aria('note')} rows={3} value={note} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />)}
          {progress && (
            <div class="upload-progress" role="status">
              <label for="evu-progress">
                Uploading {fmtBytes(progress.sent)} of {fmtBytes(progress.total)} ({pct}%)
              </label>
              <progress id="evu-progress" max={100} value={pct}>
                {pct}%
              </progress>
            </div>
          )}
          <div class="form-actions">
            <button type="submit" class="primary" disabled={!!progress || !subject}>
              Upload
            </button>
            {progress && (
              <button type="button" onClick={() => abort.current?.abort()}>
                Cancel upload
              </button>
            )}
            <a class="button" href={subject ? `/people/${enc(subject)}` : '/'}>
              Back
            </a>
          </div>
        </form>
      )}
    </div>
  );
}

export function EvidencePage({ id }: { id: string }) {
  const rec = useLoad((s) => api.get<Evidence>(`/evidence/${enc(id)}`, s), [id]);
  const custody = useLoad(
    (s) => api.get<{ ok: boolean; problems: string[]; head: Record<string, unknown>; entries: CustodyEntry[] }>(`/evidence/${enc(id)}/custody`, s),
    [id],
  );
  const [verify, setVerify] = useState<{ ok: boolean; problems: string[]; sha256: string } | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState('');
  const [to, setTo] = useState('');
  const [handNote, setHandNote] = useState('');
  useTitle(rec.data ? rec.data.title || rec.data.filename || id : 'Evidence');

  if (rec.error) return <><PageTitle>Evidence</PageTitle><ErrorBox error={rec.error} onRetry={rec.reload} /></>;
  if (!rec.data) return <Loading />;
  const e = rec.data;
  const act = async (name: string, f: () => Promise<void>) => {
    setBusy(name);
    setActionError(null);
    try {
      await f();
      custody.reload();
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy('');
    }
  };
  const meta = e.metadata && typeof e.metadata === 'object' ? Object.entries(e.metadata) : [];
  return (
    <div>
      <PageTitle sub={<span>{e.media_type}, {fmtBytes(e.size)}{e.parent && <>, a redacted copy of <a href={`/evidence/${e.parent}`}>{e.parent}</a></>}</span>}>
        {e.title || e.filename || e.id}
      </PageTitle>
      <div class="actions-bar">
        <a class="button" href={`/people/${enc(e.subject)}`}>
          Back to <RefName id={e.subject} />
        </a>
        <a class="button primary" href={`/api/v1/evidence/${enc(e.id)}/content`} download={e.filename || e.id}>
          Download the original
        </a>
        <button type="button" disabled={!!busy} onClick={() => act('verify', async () => setVerify(await api.post(`/evidence/${enc(e.id)}/verification`)))}>
          {busy === 'verify' ? 'Verifying…' : 'Verify'}
        </button>
        {!e.parent && (
          <button
            type="button"
            disabled={!!busy}
            onClick={() =>
              act('redact', async () => {
                const made = await api.post<{ id: string }>(`/evidence/${enc(e.id)}/redactions`);
                navigate(`/evidence/${made.id}`);
              })
            }
          >
            {busy === 'redact' ? 'Making a safe copy…' : 'Make a redacted copy'}
          </button>
        )}
      </div>
      {actionError !== null && <ErrorBox error={actionError} context="Not done" />}
      {verify && (
        <div class={verify.ok ? 'notice ok-box' : 'error-box'} role="status" data-testid="verify-result">
          {verify.ok ? (
            <>
              <strong>Verified.</strong> The stored file still has SHA-256 <code class="hash">{verify.sha256}</code>, and its custody log is intact.
            </>
          ) : (
            <>
              <strong>Verification failed.</strong> {verify.problems.join('; ')}
            </>
          )}
        </div>
      )}
      <div class="grid">
        <Card title="The record" id="evidence-record">
          <dl class="kv-list">
            <Field label="SHA-256">
              <code class="hash" data-testid="evidence-sha256">
                {e.sha256}
              </code>
            </Field>
            {e.filename && <Field label="File name">{e.filename}</Field>}
            <Field label="Person"><RefName id={e.subject} /></Field>
            {e.matter && <Field label="Matter"><RefName id={e.matter} /></Field>}
            {e.captured && <Field label="Captured"><DateText value={e.captured} /></Field>}
            {e.source_url && (
              <Field label="Found at">
                <a href={e.source_url} rel="noopener noreferrer" target="_blank">
                  {e.source_url}
                </a>
              </Field>
            )}
            {e.note && <Field label="Note">{e.note}</Field>}
            <Field label="Added">
              {fmtDate(e.created_at)}
              {e.created_by && ` by ${e.created_by}`}
            </Field>
          </dl>
          {(e.events ?? []).length > 0 && (
            <>
              <h3 class="small-heading">Events that cite it</h3>
              <ul class="plain-list">
                {e.events!.map((ev) => (
                  <li key={ev.id}>
                    <DateText value={ev.date} /> <a href={`/events/${ev.id}`}>{words(ev.type)}</a>
                  </li>
                ))}
              </ul>
            </>
          )}
          {(e.derivatives ?? []).length > 0 && (
            <>
              <h3 class="small-heading">Redacted copies</h3>
              <ul class="plain-list">
                {e.derivatives!.map((d) => (
                  <li key={d}>
                    <a href={`/evidence/${d}`}>{d}</a>
                  </li>
                ))}
              </ul>
            </>
          )}
        </Card>
        <Card title="Metadata found in the file" id="evidence-metadata">
          {meta.length === 0 ? (
            <Empty>None found.</Empty>
          ) : (
            <dl class="kv-list meta">
              {meta.map(([k, v]) => (
                <Field key={k} label={k}>
                  {typeof v === 'object' ? JSON.stringify(v) : String(v)}
                </Field>
              ))}
            </dl>
          )}
          {e.derivation && (
            <>
              <h3 class="small-heading">How this copy was made</h3>
              <pre class="json">{JSON.stringify(e.derivation, null, 2)}</pre>
            </>
          )}
        </Card>
      </div>
      <Card title="Link to an event" id="evidence-link" class="wide">
        <LinkToEvent
          record={e}
          onLinked={() => {
            rec.reload();
            custody.reload();
          }}
        />
      </Card>
      <Card title="Chain of custody" id="evidence-custody" class="wide">
        {custody.error && <ErrorBox error={custody.error} onRetry={custody.reload} />}
        {!custody.data && !custody.error && <Loading />}
        {custody.data && (
          <>
            <p class={custody.data.ok ? 'ok-text' : 'overdue-text'}>
              {custody.data.ok ? 'The chain is intact and signed.' : `The chain has problems: ${custody.data.problems.join('; ')}`}
            </p>
            <div class="table-wrap">
              <table class="table" data-testid="custody-log">
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">When</th>
                    <th scope="col">Who</th>
                    <th scope="col">What</th>
                    <th scope="col">Details</th>
                  </tr>
                </thead>
                <tbody>
                  {custody.data.entries.map((c) => (
                    <tr key={c.seq}>
                      <td>{c.seq}</td>
                      <td class="when">{fmtDate(c.at)}</td>
                      <td>{c.actor}</td>
                      <td>{words(c.action)}</td>
                      <td class="details">{Object.keys(c.details ?? {}).length ? JSON.stringify(c.details) : ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
        <form
          class="inline-form"
          onSubmit={(ev) => {
            ev.preventDefault();
            act('transfer', async () => {
              await api.post(`/evidence/${enc(e.id)}/transfers`, { to: to.trim(), note: handNote.trim() });
              setTo('');
              setHandNote('');
            });
          }}
        >
          <div class="form-row">
            <label for="handover-to">Handed over to</label>
            <input id="handover-to" value={to} placeholder="Northern New York Immigration Court" onInput={(x) => setTo((x.target as HTMLInputElement).value)} />
          </div>
          <div class="form-row">
            <label for="handover-note">Note</label>
            <input id="handover-note" value={handNote} onInput={(x) => setHandNote((x.target as HTMLInputElement).value)} />
          </div>
          <button type="submit" disabled={!!busy || !to.trim()}>
            Record the hand-over
          </button>
        </form>
      </Card>
    </div>
  );
}

/**
 * Links the record to an event that shows or publishes it: the event, picked
 * from the matter's chronology or found by search, is made to cite the record
 * in its `evidence` field when it cites nothing yet (a correction, kept in its
 * history), and the link is recorded in the record's chain of custody.
 */
function LinkToEvent({ record, onLinked }: { record: Evidence; onLinked: () => void }) {
  const [eventId, setEventId] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>('');
  const [linked, setLinked] = useState('');
  // Event types whose contract has a field that cites evidence (capture, publication).
  const citing = useLoad(async (s) => {
    const schema = await loadSchema(s);
    return schema.events.filter((t) => t.fields.some((f) => f.ref === 'evidence')).map((t) => t.type);
  }, []);
  const chronology = useLoad(
    (s) =>
      api.get<{ events: EventRec[] }>(
        record.matter ? `/matters/${enc(record.matter)}/chronology` : `/people/${enc(record.subject)}/chronology`,
        s,
      ),
    [record.matter, record.subject],
  );
  const types = citing.data ?? [];
  const candidates = (chronology.data?.events ?? []).filter((ev) => !ev.retracted && types.includes(ev.type));
  // Each event is shown with its client's name: evidence is linked only to its
  // own client's events, and the list must not let one be mistaken for another's.
  const subjects = Array.from(new Set(candidates.map((c) => c.subject).filter(Boolean))).sort();
  const clients = useLoad(
    async () => Object.fromEntries(await Promise.all(subjects.map(async (p) => [p, await nameOf(p)] as const))),
    [subjects.join(',')],
  );
  const clientOf = (subject: string) => clients.data?.[subject] ?? subject;
  const errId = 'link-event-err';

  const link = async (e: Event) => {
    e.preventDefault();
    setError('');
    setLinked('');
    if (!eventId) {
      setError('Choose the event that shows or publishes this file.');
      return;
    }
    setBusy(true);
    try {
      const ev = await api.get<EventRec>(`/events/${enc(eventId)}`);
      if (types.length && !types.includes(ev.type)) {
        setError(`${typeLabel(ev.type)} events cannot cite evidence; choose an ${types.map((t) => typeLabel(t).toLowerCase()).join(' or ')} event.`);
        return;
      }
      if (ev.subject !== record.subject) {
        setError(`That event concerns ${clientOf(ev.subject)}, another client; evidence is linked only to its own client's events.`);
        return;
      }
      const cited = typeof ev.evidence === 'string' ? ev.evidence : '';
      if (cited && cited !== record.id) {
        setError(`That event already cites ${cited}. Correct the event first if it should cite this file instead.`);
        return;
      }
      if (!cited) await api.patch<EventRec>(`/events/${enc(ev.id)}`, { evidence: record.id }, ev.version);
      await api.post(`/evidence/${enc(record.id)}/links`, { event: ev.id });
      setLinked(`${typeLabel(ev.type)} of ${ev.date}`);
      setEventId('');
      chronology.reload();
      onLinked();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const invalid = error ? true : undefined;
  return (
    <form class="inline-form link-form" onSubmit={link} noValidate>
      <p class="hint">
        The event then names this file, and the file's chain of custody records the link.
      </p>
      <div class={'form-row' + (error ? ' has-error' : '')} data-field="event">
        <label for="link-event">Event from the chronology</label>
        <select
          id="link-event"
          value={candidates.some((c) => c.id === eventId) ? eventId : ''}
          aria-invalid={invalid}
          aria-describedby={error ? errId : undefined}
          onChange={(x) => setEventId((x.target as HTMLSelectElement).value)}
        >
          <option value="">{chronology.data ? (candidates.length ? 'Choose…' : 'No capture or publication event') : 'Loading…'}</option>
          {candidates.map((c) => (
            <option key={c.id} value={c.id}>
              {c.date} · {headline(c)} · client: {clientOf(c.subject)}
              {c.evidence === record.id ? ' (cites this file)' : c.evidence ? ` (cites ${String(c.evidence)})` : ''}
            </option>
          ))}
        </select>
        <label for="link-event-search">Or find an event</label>
        <RefPicker
          id="link-event-search"
          name="event"
          target="event"
          value={candidates.some((c) => c.id === eventId) ? '' : eventId}
          label="Or find an event"
          aria-invalid={invalid}
          aria-describedby={error ? errId : undefined}
          onChange={(id) => setEventId(id)}
        />
        {error && (
          <p class="field-error" id={errId} role="alert">
            {error}
          </p>
        )}
      </div>
      <button type="submit" disabled={busy}>
        {busy ? 'Linking…' : 'Link to the event'}
      </button>
      {linked && (
        <p role="status" data-testid="link-done">
          Linked to the {linked.charAt(0).toLowerCase() + linked.slice(1)}.
        </p>
      )}
    </form>
  );
}
