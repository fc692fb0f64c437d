import { useState } from 'preact/hooks';
import { ApiError, api, enc } from '../api';
import { Card, Empty, ErrorBox, Loading, PageTitle } from '../components/ui';
import { fmtDate } from '../format';
import { useLoad, useSession } from '../session';
import { useTitle } from './Dashboard';

interface User {
  username: string;
  role: string;
  created_at: string;
  disabled: boolean;
  totp_enabled: boolean;
}

interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  person: string;
  address: string;
  details: unknown;
}

const ROLES = ['admin', 'lawyer', 'advocate', 'viewer'];

/** Users, roles and teams, and the audit log: for admins. */
export function Admin() {
  const { me } = useSession();
  useTitle('Administration');
  const [usersEpoch, setUsersEpoch] = useState(0);
  if (me.role !== 'admin') {
    return (
      <>
        <PageTitle>Administration</PageTitle>
        <ErrorBox error={new ApiError(403, 'forbidden', 'Users, teams and the audit log are for administrators.')} />
      </>
    );
  }
  return (
    <div>
      <PageTitle sub="Admins manage accounts and teams; they see no case data unless on a matter's team.">Administration</PageTitle>
      <Users epoch={usersEpoch} />
      <div class="grid">
        <NewUser onCreated={() => setUsersEpoch((n) => n + 1)} />
        <TeamForm />
      </div>
      <AuditLog />
    </div>
  );
}

function Users({ epoch }: { epoch: number }) {
  const users = useLoad((s) => api.get<{ items: User[] }>('/users', s), [epoch]);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState('');
  const update = async (name: string, change: Record<string, unknown>, what: string) => {
    setError(null);
    setDone('');
    try {
      await api.patch(`/users/${enc(name)}`, change);
      setDone(`${name}: ${what}.`);
      users.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card title="Users" id="users" class="wide">
      {error !== null && <ErrorBox error={error} context="Not changed" />}
      {done && <p role="status">{done}</p>}
      {users.error && <ErrorBox error={users.error} onRetry={users.reload} />}
      {!users.data && !users.error && <Loading />}
      {users.data && (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Role</th>
              <th scope="col">Second factor</th>
              <th scope="col">Since</th>
              <th scope="col">Account</th>
            </tr>
          </thead>
          <tbody>
            {users.data.items.map((u) => (
              <tr key={u.username}>
                <td>{u.username}</td>
                <td>
                  <label class="visually-hidden" for={`role-${u.username}`}>
                    Role of {u.username}
                  </label>
                  <select id={`role-${u.username}`} value={u.role} onChange={(e) => update(u.username, { role: (e.target as HTMLSelectElement).value }, 'role changed')}>
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                </td>
                <td>{u.totp_enabled ? 'on' : 'off'}</td>
                <td>{fmtDate(u.created_at)}</td>
                <td>
                  {u.disabled ? <strong class="overdue-text">disabled </strong> : null}
                  <button type="button" onClick={() => update(u.username, { disabled: !u.disabled }, u.disabled ? 'enabled' : 'disabled')}>
                    {u.disabled ? 'Enable' : 'Disable'}
                  </button>{' '}
                  <ResetPassword user={u.username} onSave={(pw) => update(u.username, { password: pw }, 'password changed')} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

function ResetPassword({ user, onSave }: { user: string; onSave: (pw: string) => void }) {
  const [open, setOpen] = useState(false);
  const [pw, setPw] = useState('');
  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)}>
        New password…
      </button>
    );
  }
  return (
    <form
      class="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        onSave(pw);
        setPw('');
        setOpen(false);
      }}
    >
      <label for={`pw-${user}`}>New password for {user}</label>
      <input id={`pw-${user}`} type="password" autocomplete="new-password" value={pw} onInput={(e) => setPw((e.target as HTMLInputElement).value)} />
      <button type="submit" class="primary">
        Set
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}

function NewUser({ onCreated }: { onCreated: () => void }) {
  const [v, setV] = useState({ username: '', role: 'lawyer', password: '' });
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setDone('');
    try {
      await api.post('/users', { username: v.username.trim(), role: v.role, password: v.password });
      setDone(`User ${v.username.trim()} created. Add them to a matter's team to give them its case.`);
      setV({ username: '', role: 'lawyer', password: '' });
      onCreated();
    } catch (err) {
      setError(err as ApiError);
    }
  };
  const fieldErr = (f: string) =>
    error && error.field === f ? (
      <p class="field-error" id={`nu-${f}-err`}>
        {error.message}
      </p>
    ) : null;
  return (
    <Card title="New user" id="new-user">
      {error && !['username', 'role', 'password'].includes(error.field ?? '') && <ErrorBox error={error} context="Not created" />}
      {done && <p role="status">{done}</p>}
      <form onSubmit={submit} noValidate>
        <div class="form-row" data-field="username">
          <label for="nu-username">User name</label>
          <input id="nu-username" value={v.username} aria-invalid={error?.field === 'username' || undefined} onInput={(e) => setV({ ...v, username: (e.target as HTMLInputElement).value })} />
          {fieldErr('username')}
        </div>
        <div class="form-row" data-field="role">
          <label for="nu-role">Role</label>
          <select id="nu-role" value={v.role} onChange={(e) => setV({ ...v, role: (e.target as HTMLSelectElement).value })}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          {fieldErr('role')}
        </div>
        <div class="form-row" data-field="password">
          <label for="nu-password">First password</label>
          <p class="hint" id="nu-password-hint">
            At least 12 characters, not a common password. Give it to them in person.
          </p>
          <input
            id="nu-password"
            type="password"
            autocomplete="new-password"
            aria-describedby="nu-password-hint"
            aria-invalid={error?.field === 'password' || undefined}
            value={v.password}
            onInput={(e) => setV({ ...v, password: (e.target as HTMLInputElement).value })}
          />
          {fieldErr('password')}
        </div>
        <button type="submit" class="primary">
          Create user
        </button>
      </form>
    </Card>
  );
}

function TeamForm() {
  const [matter, setMatter] = useState('');
  const [team, setTeam] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setDone('');
    try {
      const list = team.split(/[,\s]+/).filter(Boolean);
      const r = await api.put<{ id: string; team: string[] }>(`/matters/${enc(matter.trim())}/team`, { team: list });
      setDone(`Team of ${r.id}: ${r.team.join(', ') || 'nobody'}.`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card title="Team of a matter" id="team">
      <p>Replaces the whole team; everyone on it sees the matter and its client.</p>
      {error !== null && <ErrorBox error={error} context="Team not changed" />}
      {done && <p role="status">{done}</p>}
      <form onSubmit={submit}>
        <div class="form-row">
          <label for="team-matter">Matter id</label>
          <input id="team-matter" placeholder="mat_…" value={matter} onInput={(e) => setMatter((e.target as HTMLInputElement).value)} />
        </div>
        <div class="form-row">
          <label for="team-users">Team (user names, separated by commas)</label>
          <input id="team-users" value={team} onInput={(e) => setTeam((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit" class="primary" disabled={!matter.trim()}>
          Set team
        </button>
      </form>
    </Card>
  );
}

export function AuditTable({ entries }: { entries: AuditEntry[] }) {
  if (!entries.length) return <Empty>No entries.</Empty>;
  return (
    <div class="table-wrap">
      <table class="table audit">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Did</th>
            <th scope="col">To</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.seq}>
              <td>{e.seq}</td>
              <td class="when">{fmtDate(e.at)}</td>
              <td>
                {e.actor} <span class="muted">{e.address}</span>
              </td>
              <td>{e.action}</td>
              <td>{[e.target, e.person && e.person !== e.target ? e.person : ''].filter(Boolean).join(' · ')}</td>
              <td class="details">{e.details && typeof e.details === 'object' && Object.keys(e.details as object).length ? JSON.stringify(e.details) : typeof e.details === 'string' ? e.details : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AuditLog() {
  const [actor, setActor] = useState('');
  const [person, setPerson] = useState('');
  const [filter, setFilter] = useState({ actor: '', person: '' });
  const [pages, setPages] = useState<number[]>([0]);
  const after = pages[pages.length - 1];
  const log = useLoad(
    (s) =>
      api.get<{ items: AuditEntry[]; next: number | null }>(
        `/audit?limit=50${after ? `&after=${after}` : ''}${filter.actor ? `&actor=${enc(filter.actor)}` : ''}${filter.person ? `&person=${enc(filter.person)}` : ''}`,
        s,
      ),
    [after, filter.actor, filter.person],
  );
  return (
    <Card title="Audit log" id="audit" class="wide">
      <form
        class="range-form"
        onSubmit={(e) => {
          e.preventDefault();
          setPages([0]);
          setFilter({ actor: actor.trim(), person: person.trim() });
        }}
      >
        <div class="form-row">
          <label for="audit-actor">By user</label>
          <input id="audit-actor" value={actor} onInput={(e) => setActor((e.target as HTMLInputElement).value)} />
        </div>
        <div class="form-row">
          <label for="audit-person">About person (id)</label>
          <input id="audit-person" placeholder="per_…" value={person} onInput={(e) => setPerson((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit">Filter</button>
      </form>
      {log.error && <ErrorBox error={log.error} onRetry={log.reload} />}
      {!log.data && !log.error && <Loading />}
      {log.data && <AuditTable entries={log.data.items} />}
      <div class="actions-bar">
        {pages.length > 1 && (
          <button type="button" onClick={() => setPages(pages.slice(0, -1))}>
            Previous
          </button>
        )}
        {log.data?.next && (
          <button type="button" onClick={() => setPages([...pages, log.data!.next!])}>
            Next
          </button>
        )}
      </div>
    </Card>
  );
}
