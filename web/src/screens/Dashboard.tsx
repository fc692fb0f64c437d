import { useEffect } from 'preact/hooks';
import { api, enc, getAll, type Custody, type Deadline, type EventRec, type Matter, type Person } from '../api';
import { Card, DateText, DeadlineItem, Empty, ErrorBox, Loading, PageTitle, RefName, sortDeadlines } from '../components/ui';
import { headline } from '../events';
import { addDays, fmtDate, relativeDays, today, words } from '../format';
import { rememberName } from '../names';
import { useLoad, useSession } from '../session';

interface Client {
  person: Person;
  custody: Custody;
  events: EventRec[];
}

export function useTitle(title: string) {
  useEffect(() => {
    document.title = title ? `${title} · Refuge` : 'Refuge';
  }, [title]);
}

export function Dashboard() {
  const { me } = useSession();
  useTitle('Dashboard');
  const day = today();
  const horizon = addDays(day, 30);

  const matters = useLoad(async (signal) => {
    const all = await getAll<Matter>('matters', signal);
    return all.filter((m) => (m.team ?? []).includes(me.username));
  }, [me.username]);

  const clients = useLoad(async (signal) => {
    if (!matters.data) return undefined;
    const ids = [...new Set(matters.data.map((m) => m.client))];
    return Promise.all(
      ids.map(async (id): Promise<Client> => {
        const [person, custody, chron] = await Promise.all([
          api.get<Person>(`/people/${enc(id)}`, signal),
          api.get<Custody>(`/people/${enc(id)}/custody`, signal),
          api.get<{ events: EventRec[] }>(`/people/${enc(id)}/chronology`, signal),
        ]);
        rememberName(id, person.name);
        return { person, custody, events: chron.events };
      }),
    );
  }, [matters.data]);

  // Everything due up to 30 days ahead: open ones, and missed ones however old.
  const agenda = useLoad(
    (signal) => api.get<{ deadlines: Deadline[] }>(`/deadlines?to=${horizon}`, signal),
    [horizon],
  );

  const deadlines = agenda.data ? sortDeadlines(agenda.data.deadlines) : [];
  const overdue = deadlines.filter((d) => d.status === 'missed');

  return (
    <div class="dashboard">
      <PageTitle sub={<>Today is {fmtDate(day)}. Signed in as {me.username}.</>}>Dashboard</PageTitle>

      {overdue.length > 0 && (
        <div class="overdue-banner" role="alert" id="overdue-banner">
          <strong>
            {overdue.length === 1 ? '1 deadline is overdue' : `${overdue.length} deadlines are overdue`}
          </strong>
          <ul>
            {overdue.map((d) => (
              <li key={d.rule + d.trigger_event}>
                {d.title} ({d.client_name ?? d.subject}) was due {fmtDate(d.due)}, {relativeDays(d.due, day)}.
              </li>
            ))}
          </ul>
        </div>
      )}

      <Card title="Deadlines in the next 30 days" id="dash-deadlines" class="wide">
        <p class="muted">
          Due by {fmtDate(horizon)} on your matters; overdue ones first.
        </p>
        {agenda.error && <ErrorBox error={agenda.error} onRetry={agenda.reload} />}
        {!agenda.data && !agenda.error && <Loading />}
        {agenda.data && deadlines.length === 0 && <Empty>Nothing is due in the next 30 days.</Empty>}
        {deadlines.length > 0 && (
          <ul class="deadlines">
            {deadlines.map((d) => (
              <DeadlineItem d={d} showClient key={d.rule + d.trigger_event} />
            ))}
          </ul>
        )}
      </Card>

      <div class="grid">
        <Card title="My clients in custody" id="dash-custody">
          {(matters.error || clients.error) && (
            <ErrorBox error={matters.error ?? clients.error} onRetry={matters.error ? matters.reload : clients.reload} />
          )}
          {!clients.data && !clients.error && !matters.error && <Loading />}
          {clients.data && <CustodyList clients={clients.data} />}
        </Card>

        <Card title="My matters" id="dash-matters" actions={<a href="/people">All people</a>}>
          {matters.error && <ErrorBox error={matters.error} onRetry={matters.reload} />}
          {!matters.data && !matters.error && <Loading />}
          {matters.data && matters.data.length === 0 && <Empty>You are on no matter's team yet.</Empty>}
          {matters.data && matters.data.length > 0 && (
            <ul class="plain-list">
              {matters.data.map((m) => (
                <li key={m.id}>
                  <a href={`/matters/${m.id}`}>{m.title ?? m.id}</a>{' '}
                  <span class="muted">
                    {words(m.kind)} · {m.status ?? 'open'} · client <RefName id={m.client} />
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Card>

        <Card title="Recent activity" id="dash-activity" class="wide">
          {clients.data && <Activity clients={clients.data} />}
          {!clients.data && !clients.error && <Loading />}
          {clients.error && <ErrorBox error={clients.error} onRetry={clients.reload} />}
        </Card>
      </div>
    </div>
  );
}

function CustodyList({ clients }: { clients: Client[] }) {
  const held = clients.filter((c) => c.custody.status === 'in_custody');
  const free = clients.filter((c) => c.custody.status === 'not_in_custody');
  const unknown = clients.filter((c) => c.custody.status === 'unknown');
  return (
    <>
      {held.length === 0 && <Empty>None of your clients is in custody.</Empty>}
      {held.length > 0 && (
        <ul class="custody-list">
          {held.map((c) => (
            <li key={c.person.id} class="in-custody">
              <a href={`/people/${c.person.id}`}>{c.person.name}</a>
              <div>
                Held at <strong>{c.custody.facility?.name ?? 'an unknown facility'}</strong>
                {c.custody.facility?.state && <>, {c.custody.facility.state}</>} since <DateText value={c.custody.since} />{' '}
                <span class="muted">({c.custody.since && relativeDays(c.custody.since)})</span>
              </div>
              {c.custody.facility?.phone && (
                <div class="muted">
                  Facility phone {c.custody.facility.phone}
                  {c.custody.facility.aor && <> · field office {c.custody.facility.aor}</>}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {free.length > 0 && (
        <>
          <h3 class="small-heading">Not in custody</h3>
          <ul class="plain-list">
            {free.map((c) => (
              <li key={c.person.id}>
                <a href={`/people/${c.person.id}`}>{c.person.name}</a>{' '}
                <span class="muted">
                  {c.custody.history.length > 0 && c.custody.since
                    ? `released ${fmtDate(c.custody.since)}${c.custody.release_reason ? ` (${words(c.custody.release_reason)})` : ''}`
                    : 'never detained on record'}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
      {unknown.length > 0 && (
        <>
          <h3 class="small-heading">Custody unknown</h3>
          <ul class="plain-list" data-testid="custody-unknown">
            {unknown.map((c) => (
              <li key={c.person.id}>
                <a href={`/people/${c.person.id}`}>{c.person.name}</a>{' '}
                <span class="muted">no detention or release on record{c.custody.based_on === 'shared_events' ? ' among the events shared with you' : ''}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

function Activity({ clients }: { clients: Client[] }) {
  const recent = clients
    .flatMap((c) => c.events.map((e) => ({ e, who: c.person.name })))
    .sort((a, b) => ((a.e.updated_at ?? '') < (b.e.updated_at ?? '') ? 1 : -1))
    .slice(0, 8);
  if (recent.length === 0) return <Empty>No events recorded yet.</Empty>;
  return (
    <ul class="activity">
      {recent.map(({ e, who }) => (
        <li key={e.id}>
          <span class="muted">{e.updated_at ? fmtDate(e.updated_at) : ''}</span>{' '}
          {e.version > 1 ? 'Corrected' : 'Recorded'}: <a href={`/events/${e.id}`}>{headline(e)}</a> of{' '}
          <DateText value={e.date} /> for {who}
          {e.updated_by && <span class="muted"> by {e.updated_by}</span>}
        </li>
      ))}
    </ul>
  );
}
