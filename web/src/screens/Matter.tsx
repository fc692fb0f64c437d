import { useState } from 'preact/hooks';
import { ApiError, api, enc, requestFile, type Deadline, type EventRec, type Matter } from '../api';
import { ChronologyPanel } from '../components/Chronology';
import { Card, DateText, Empty, ErrorBox, Field, Loading, PageTitle, RefName } from '../components/ui';
import { headline } from '../events';
import { today, words } from '../format';
import { knownName } from '../names';
import { useLoad, useSession } from '../session';
import { useTitle } from './Dashboard';
import { DeadlineList } from './Person';
import { EvidenceList } from './Evidence';
import { chronologyCsv } from '../csv';

function download(name: string, type: string, text: string) {
  saveBlob(name, new Blob([text], { type }));
}

function saveBlob(name: string, blob: Blob) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function MatterPage({ id }: { id: string }) {
  const [showRetracted, setShowRetracted] = useState(false);
  const matter = useLoad((s) => api.get<Matter>(`/matters/${enc(id)}`, s), [id]);
  const chron = useLoad(
    (s) => api.get<{ events: EventRec[] }>(`/matters/${enc(id)}/chronology${showRetracted ? '?retracted=true' : ''}`, s),
    [id, showRetracted],
  );
  const deadlines = useLoad((s) => api.get<{ deadlines: Deadline[] }>(`/matters/${enc(id)}/deadlines`, s), [id]);
  useTitle(matter.data?.title ?? 'Matter');

  if (matter.error) return <><PageTitle>Matter</PageTitle><ErrorBox error={matter.error} onRetry={matter.reload} /></>;
  if (!matter.data) return <Loading />;
  const m = matter.data;
  const events = chron.data?.events ?? [];
  const live = events.filter((e) => !e.retracted);
  const of = (...types: string[]) => live.filter((e) => types.includes(e.type));
  const stem = `${m.id}-${today()}`;

  return (
    <div class="matter">
      <PageTitle
        sub={
          <span>
            Client <RefName id={m.client} /> · {words(m.kind) || 'kind not set'} · <span class={`badge badge-${m.status ?? 'open'}`}>{m.status ?? 'open'}</span>
          </span>
        }
      >
        {m.title ?? m.id}
      </PageTitle>
      <div class="actions-bar">
        <a class="button primary" href={`/events/new?subject=${enc(m.client)}&matter=${enc(m.id)}`}>
          Add event
        </a>
        <a class="button" href={`/matters/${enc(m.id)}/edit`}>
          Edit matter
        </a>
      </div>
      <div class="grid">
        <Card title="Team and details" id="matter-team">
          <dl class="kv-list">
            <Field label="Client"><RefName id={m.client} /></Field>
            <Field label="Team">{(m.team ?? []).length ? (m.team ?? []).join(', ') : <span class="muted">nobody yet</span>}</Field>
            <Field label="Kind">{words(m.kind) || '—'}</Field>
            <Field label="Status">{m.status ?? 'open'}</Field>
            {m.note && <Field label="Note">{m.note}</Field>}
          </dl>
        </Card>
        <Card title="Export" id="matter-export">
          <p>The matter, its chronology and its deadlines as of now.</p>
          <div class="actions-bar">
            <button
              type="button"
              disabled={!chron.data || !deadlines.data}
              onClick={() =>
                download(
                  `${stem}.json`,
                  'application/json',
                  JSON.stringify({ matter: m, client_name: knownName(m.client), chronology: events, deadlines: deadlines.data?.deadlines ?? [] }, null, 2),
                )
              }
            >
              Download JSON
            </button>
            <button type="button" disabled={!chron.data} onClick={() => download(`${stem}-chronology.csv`, 'text/csv', chronologyCsv(events))}>
              Download chronology (CSV)
            </button>
            <button type="button" onClick={() => window.print()}>
              Print
            </button>
          </div>
        </Card>
        <Card title="Evidence bag" id="matter-bag">
          <BagExport matter={m.id} />
        </Card>
        <Card title="Hearings" id="matter-hearings">
          <EventRows events={of('hearing')} empty="No hearing on this matter." />
        </Card>
        <Card title="Filings" id="matter-filings">
          <EventRows events={of('filing')} empty="No filing on this matter." />
        </Card>
        <Card title="Evidence" id="matter-evidence" actions={<a href={`/evidence/new?subject=${enc(m.client)}&matter=${enc(m.id)}`}>Add a file</a>}>
          <EvidenceList matter={m.id} />
          <EventRows events={of('evidence_capture', 'publication')} empty="No capture or publication events on this matter." />
        </Card>
      </div>
      <Card title="Deadlines" id="matter-deadlines" class="wide">
        {deadlines.error && <ErrorBox error={deadlines.error} onRetry={deadlines.reload} />}
        {!deadlines.data && !deadlines.error && <Loading />}
        {deadlines.data && <DeadlineList list={deadlines.data.deadlines} />}
      </Card>
      <Card title="Chronology" id="matter-chronology" class="wide">
        {chron.error && <ErrorBox error={chron.error} onRetry={chron.reload} />}
        {!chron.data && !chron.error && <Loading />}
        {chron.data && (
          <ChronologyPanel events={events} showRetracted={showRetracted} onShowRetracted={setShowRetracted} idPrefix="matter-chron" />
        )}
      </Card>
    </div>
  );
}

function EventRows({ events, empty }: { events: EventRec[]; empty: string }) {
  if (!events.length) return <Empty>{empty}</Empty>;
  return (
    <ul class="plain-list">
      {events.map((e) => (
        <li key={e.id}>
          <DateText value={String(e.datetime ?? e.date)} /> <a href={`/events/${e.id}`}>{headline(e)}</a>
          {e.note && <div class="muted">{e.note}</div>}
        </li>
      ))}
    </ul>
  );
}

/**
 * The matter's evidence as a BagIt bag (RFC 8493) in one .tar archive, as
 * `refuge evidence export` writes it: the files, their checksums, each chain of
 * custody with its signed head, and an index. Each file's custody log records
 * the export. Lawyers on the team export.
 */
function BagExport({ matter }: { matter: string }) {
  const { me } = useSession();
  const [safeOnly, setSafeOnly] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<{ name: string; size: number; withheld: string } | null>(null);
  if (me.role !== 'lawyer') {
    return <p class="muted">Lawyers on the matter's team export its evidence as a bag.</p>;
  }
  const exportBag = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const got = await requestFile('POST', `/matters/${enc(matter)}/bags`, { redacted: safeOnly }, `${matter}-bag.tar`);
      saveBlob(got.filename, got.blob);
      setDone({ name: got.filename, size: got.blob.size, withheld: got.headers.get('Refuge-Withheld') ?? '' });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const fieldError = error instanceof ApiError && error.field === 'redacted' ? error.message : undefined;
  return (
    <form class="bag-export" onSubmit={exportBag} aria-busy={busy}>
      <p>
        The files of this matter with their checksums and chains of custody, as one archive that{' '}
        <code>refuge evidence verify-bag</code> checks offline. Each file's custody log records the export.
      </p>
      <div class={'form-row form-row-check' + (fieldError ? ' has-error' : '')} data-field="redacted">
        <input
          id="bag-safe-only"
          type="checkbox"
          checked={safeOnly}
          aria-describedby={['bag-safe-only-hint', fieldError ? 'bag-safe-only-err' : ''].filter(Boolean).join(' ')}
          aria-invalid={fieldError ? true : undefined}
          onChange={(x) => setSafeOnly((x.target as HTMLInputElement).checked)}
        />
        <label for="bag-safe-only">Safe copies only</label>
        <p class="hint" id="bag-safe-only-hint">
          Redacted copies without location, camera or owner metadata, made now where missing; files that cannot be cleaned are left out.
        </p>
        {fieldError && (
          <p class="field-error" id="bag-safe-only-err">
            {fieldError}
          </p>
        )}
      </div>
      {error !== null && !fieldError && <ErrorBox error={error} context="No bag was exported" />}
      <div class="actions-bar">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Building the bag…' : 'Export bag'}
        </button>
      </div>
      {done && (
        <p role="status" data-testid="bag-done">
          Downloaded <strong>{done.name}</strong> ({done.size.toLocaleString('en-US')} bytes).
          {done.withheld && <> Left out, because they cannot be cleaned: {done.withheld}.</>}
        </p>
      )}
    </form>
  );
}
