import { useState } from 'preact/hooks';
import { api, enc, getAll, type Custody, type Deadline, type EventRec, type Journey, type Matter, type Person } from '../api';
import { ChronologyPanel } from '../components/Chronology';
import { JourneyLegs, JourneyMap } from '../components/JourneyMap';
import { Card, DateText, DeadlineItem, Empty, ErrorBox, EventFields, Field, Loading, PageTitle, sortDeadlines } from '../components/ui';
import { countryName } from '../countries_lookup';
import { headline } from '../events';
import { fmtANumber, relativeDays, words } from '../format';
import { rememberName } from '../names';
import { useLoad, useSession } from '../session';
import { AuditTable } from './Admin';
import { EvidenceList } from './Evidence';
import { useTitle } from './Dashboard';

export function PersonPage({ id }: { id: string }) {
  const { me } = useSession();
  const [showRetracted, setShowRetracted] = useState(false);
  const person = useLoad((s) => api.get<Person>(`/people/${enc(id)}`, s), [id]);
  const custody = useLoad((s) => api.get<Custody>(`/people/${enc(id)}/custody`, s), [id]);
  const journey = useLoad((s) => api.get<Journey>(`/people/${enc(id)}/journey`, s), [id]);
  const chron = useLoad(
    (s) => api.get<{ events: EventRec[] }>(`/people/${enc(id)}/chronology${showRetracted ? '?retracted=true' : ''}`, s),
    [id, showRetracted],
  );
  const deadlines = useLoad((s) => api.get<{ deadlines: Deadline[] }>(`/people/${enc(id)}/deadlines`, s), [id]);
  const hearing = useLoad((s) => api.get<{ hearing: EventRec | null; based_on?: string }>(`/people/${enc(id)}/next-hearing`, s), [id]);
  const matters = useLoad(async (s) => (await getAll<Matter>('matters', s)).filter((m) => m.client === id), [id]);
  useTitle(person.data?.name ?? 'Person');

  if (person.error) {
    return (
      <>
        <PageTitle>Person</PageTitle>
        <ErrorBox error={person.error} onRetry={person.reload} />
      </>
    );
  }
  if (!person.data) return <Loading />;
  const p = person.data;
  rememberName(p.id, p.name);
  if (p.named_only) {
    // Named by an event on one of the user's matters: the name, not the file.
    return (
      <div class="person">
        <PageTitle>{p.name}</PageTitle>
        <p data-testid="named-only">
          Named in an event on one of your matters. This person's file is not shared with you.
        </p>
      </div>
    );
  }
  const events = chron.data?.events ?? [];
  const of = (...types: string[]) => events.filter((e) => types.includes(e.type) && !e.retracted);

  return (
    <div class="person">
      <PageTitle
        sub={
          <>
            {p.other_names?.length ? <span class="other-names">{p.other_names.join(' · ')}</span> : null}
            {p.a_number && <span class="a-number">{fmtANumber(p.a_number)}</span>}
            {p.protected && <span class="badge badge-protected">protected</span>}
          </>
        }
      >
        {p.name}
      </PageTitle>
      <div class="actions-bar">
        <a class="button primary" href={`/events/new?subject=${enc(p.id)}`}>
          Add event
        </a>
        <a class="button" href={`/people/${enc(p.id)}/edit`}>
          Edit profile
        </a>
        <a class="button" href={`/matters/new?client=${enc(p.id)}`}>
          New matter
        </a>
      </div>

      <div class="grid">
        <Card title="Profile" id="profile">
          <dl class="kv-list">
            <Field label="Name">{p.name}</Field>
            {p.other_names?.length ? <Field label="Other names">{p.other_names.join(', ')}</Field> : null}
            <Field label="A-number">{p.a_number ? fmtANumber(p.a_number) : <span class="muted">none recorded</span>}</Field>
            {p.birth_date && <Field label="Born"><DateText value={p.birth_date} /></Field>}
            {p.country_of_birth && <Field label="Country of birth">{countryName(p.country_of_birth)}</Field>}
            {p.citizenship?.length ? <Field label="Citizenship">{p.citizenship.map(countryName).join(', ')}</Field> : null}
            {p.languages?.length ? <Field label="Languages">{p.languages.join(', ')}</Field> : null}
            {p.note && <Field label="Note">{p.note}</Field>}
          </dl>
        </Card>

        <Card title="Custody" id="custody">
          {custody.error && <ErrorBox error={custody.error} onRetry={custody.reload} />}
          {!custody.data && !custody.error && <Loading />}
          {custody.data && <CustodyCard c={custody.data} />}
        </Card>

        <Card title="Next hearing" id="next-hearing">
          {hearing.error && <ErrorBox error={hearing.error} onRetry={hearing.reload} />}
          {hearing.data && !hearing.data.hearing && (
            <Empty>
              {hearing.data.based_on === 'shared_events'
                ? 'No hearing among the events shared with you.'
                : 'No hearing on record.'}
            </Empty>
          )}
          {hearing.data?.hearing && (
            <div>
              <p class="big-date">
                <DateText value={String(hearing.data.hearing.datetime ?? hearing.data.hearing.date)} />
              </p>
              <p>
                <a href={`/events/${hearing.data.hearing.id}`}>{headline(hearing.data.hearing)}</a>{' '}
                <span class="muted">({relativeDays(String(hearing.data.hearing.datetime ?? hearing.data.hearing.date))})</span>
              </p>
              <EventFields event={hearing.data.hearing} />
            </div>
          )}
        </Card>

        <Card title="Matters" id="matters" actions={<a href={`/matters/new?client=${enc(p.id)}`}>New matter</a>}>
          {matters.error && <ErrorBox error={matters.error} onRetry={matters.reload} />}
          {matters.data && matters.data.length === 0 && <Empty>No matter opened for this person.</Empty>}
          {matters.data && (
            <ul class="plain-list">
              {matters.data.map((m) => (
                <li key={m.id}>
                  <a href={`/matters/${m.id}`}>{m.title ?? m.id}</a>{' '}
                  <span class="muted">
                    {words(m.kind)} · {m.status ?? 'open'} · team {(m.team ?? []).join(', ') || 'none'}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>

      <Card title="Deadlines" id="deadlines" class="wide">
        {deadlines.error && <ErrorBox error={deadlines.error} onRetry={deadlines.reload} />}
        {!deadlines.data && !deadlines.error && <Loading />}
        {deadlines.data && <DeadlineList list={deadlines.data.deadlines} />}
      </Card>

      <Card title="Journey" id="journey" class="wide">
        {journey.error && <ErrorBox error={journey.error} onRetry={journey.reload} />}
        {!journey.data && !journey.error && <Loading />}
        {journey.data && (
          <div class="journey">
            <JourneyMap journey={journey.data} />
            <JourneyLegs journey={journey.data} />
            {journey.data.last_us_arrival && (
              <p>
                Last arrival in the United States: <DateText value={journey.data.last_us_arrival} />
              </p>
            )}
          </div>
        )}
      </Card>

      <Card title="Chronology" id="chronology" class="wide" actions={<a href={`/events/new?subject=${enc(p.id)}`}>Add event</a>}>
        {chron.error && <ErrorBox error={chron.error} onRetry={chron.reload} />}
        {!chron.data && !chron.error && <Loading />}
        {chron.data && (
          <ChronologyPanel
            events={events}
            custody={custody.data}
            matters={matters.data}
            showRetracted={showRetracted}
            onShowRetracted={setShowRetracted}
            idPrefix="person-chron"
          />
        )}
      </Card>

      <div class="grid">
        <Card title="Incidents" id="incidents">
          <EventBullets events={of('incident')} empty="No incidents recorded." />
        </Card>
        <Card title="Advocacy" id="advocacy">
          <EventBullets events={of('advocacy', 'publication', 'correspondence')} empty="No advocacy recorded." />
        </Card>
        <Card title="Evidence" id="evidence" actions={<a href={`/evidence/new?subject=${enc(p.id)}`}>Add a file</a>}>
          <h3 class="small-heading">Files in the vault</h3>
          <EvidenceList subject={p.id} />
          <h3 class="small-heading">Capture and publication events</h3>
          <EventBullets events={of('evidence_capture', 'publication')} empty="No evidence events recorded." />
        </Card>
      </div>
      {(me.role === 'lawyer' || me.role === 'admin') && <AccessLog id={p.id} />}
    </div>
  );
}

/** Said under a view computed from only part of the record. */
function SharedOnly({ basis }: { basis?: string }) {
  if (basis !== 'shared_events') return null;
  return (
    <p class="muted" data-testid="shared-only">
      Based on the events shared with you; the legal team may know more.
    </p>
  );
}

function CustodyCard({ c }: { c: Custody }) {
  if (c.status === 'unknown') {
    return (
      <div data-testid="custody-card">
        <p class="custody-now unknown">
          <strong>Custody unknown</strong>: no detention, transfer or release on record
          {c.based_on === 'shared_events' ? ' among the events shared with you' : ''}.
        </p>
        <SharedOnly basis={c.based_on} />
      </div>
    );
  }
  return (
    <div data-testid="custody-card">
      <SharedOnly basis={c.based_on} />
      {c.in_custody ? (
        <p class="custody-now in">
          <strong>In custody</strong> at {c.facility?.name ?? 'an unknown facility'} since <DateText value={c.since} />
          {c.since && <span class="muted"> ({relativeDays(c.since)})</span>}
        </p>
      ) : (
        <p class="custody-now out">
          <strong>Not in custody</strong>
          {c.history.length > 0 && c.since && (
            <>
              {' '}
              since <DateText value={c.since} />
              {c.release_reason && <> (released: {words(c.release_reason)})</>}
            </>
          )}
        </p>
      )}
      {c.in_custody && c.facility && (
        <dl class="kv-list">
          {c.facility.phone && <Field label="Facility phone">{c.facility.phone}</Field>}
          {c.facility.aor && <Field label="ICE field office (AOR)">{c.facility.aor}</Field>}
          {c.facility.detloc && <Field label="DETLOC">{c.facility.detloc}</Field>}
        </dl>
      )}
      <h3 class="small-heading">Custody and transfer history</h3>
      {c.history.length === 0 ? (
        <Empty>Never detained on record.</Empty>
      ) : (
        <table class="table">
          <caption class="visually-hidden">Custody history, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">Facility</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
            </tr>
          </thead>
          <tbody>
            {c.history.map((h, i) => (
              <tr key={i}>
                <td>
                  {h.facility ? <a href={`/facilities/${h.facility.id}`}>{h.facility.name}</a> : 'unknown'}
                  {h.facility?.state && <span class="muted">, {h.facility.state}</span>}
                </td>
                <td>
                  <DateText value={h.from} /> <span class="muted">({words(h.began_by)})</span>
                </td>
                <td>
                  {h.to ? (
                    <>
                      <DateText value={h.to} />{' '}
                      <span class="muted">
                        ({words(h.ended_by ?? '')}
                        {h.release_reason ? `: ${words(h.release_reason)}` : ''})
                      </span>
                    </>
                  ) : (
                    <strong>now</strong>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function DeadlineList({ list }: { list: Deadline[] }) {
  const [all, setAll] = useState(false);
  const sorted = sortDeadlines(list);
  const active = sorted.filter((d) => d.status === 'open' || d.status === 'missed');
  const shown = all ? sorted : active;
  return (
    <>
      {list.length === 0 && <Empty>No deadlines follow from the events recorded.</Empty>}
      {list.length > 0 && active.length === 0 && !all && <Empty>No open deadline.</Empty>}
      {shown.length > 0 && (
        <ul class="deadlines">
          {shown.map((d) => (
            <DeadlineItem d={d} key={d.rule + d.trigger_event} />
          ))}
        </ul>
      )}
      {sorted.length > active.length && (
        <button type="button" class="link-button" onClick={() => setAll(!all)} aria-expanded={all}>
          {all ? 'Show only open and overdue deadlines' : `Also show ${sorted.length - active.length} met or superseded`}
        </button>
      )}
    </>
  );
}

function EventBullets({ events, empty }: { events: EventRec[]; empty: string }) {
  if (!events.length) return <Empty>{empty}</Empty>;
  return (
    <ul class="plain-list">
      {events.map((e) => (
        <li key={e.id}>
          <DateText value={e.date} /> <a href={`/events/${e.id}`}>{headline(e)}</a>
          {e.note && <div class="muted">{e.note}</div>}
        </li>
      ))}
    </ul>
  );
}


/** Who has read or changed this person's file, from the audit log; loaded when opened. */
function AccessLog({ id }: { id: string }) {
  const [open, setOpen] = useState(false);
  return (
    <Card title="Who has opened this file" id="access-log" class="wide">
      <details onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
        <summary>Show the access log</summary>
        {open && <AccessEntries id={id} />}
      </details>
    </Card>
  );
}

function AccessEntries({ id }: { id: string }) {
  const log = useLoad((s) => api.get<{ items: Parameters<typeof AuditTable>[0]['entries'] }>(`/people/${enc(id)}/audit?limit=200`, s), [id]);
  if (log.error) return <ErrorBox error={log.error} onRetry={log.reload} />;
  if (!log.data) return <Loading />;
  return <AuditTable entries={log.data.items} />;
}
