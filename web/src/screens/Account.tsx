import { useState } from 'preact/hooks';
import { api, enc } from '../api';
import { Card, Empty, ErrorBox, Loading, PageTitle } from '../components/ui';
import { fmtDate } from '../format';
import { useLoad, useSession } from '../session';
import { useTitle } from './Dashboard';

interface ApiToken {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** The signed-in user's own API tokens and second factor. */
export function Account() {
  const { me } = useSession();
  useTitle('My account');
  return (
    <div>
      <PageTitle sub={<>{me.username}, {me.role}</>}>My account</PageTitle>
      <div class="grid">
        <Tokens />
        <SecondFactor />
      </div>
    </div>
  );
}

function Tokens() {
  const tokens = useLoad((s) => api.get<{ items: ApiToken[] }>('/tokens', s), []);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const create = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const t = await api.post<{ name: string; token: string }>('/tokens', { name: name.trim() });
      setCreated(t);
      setName('');
      tokens.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (id: string) => {
    setError(null);
    try {
      await api.del(`/tokens/${enc(id)}`);
      tokens.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card title="API tokens" id="tokens">
      <p>For scripts and other programs: a token acts as you, until you revoke it.</p>
      {error !== null && <ErrorBox error={error} />}
      {created && (
        <div class="notice" role="status">
          <p>
            New token “{created.name}”. Copy it now; it is not shown again.
          </p>
          <label for="new-token">Token</label>
          <input id="new-token" readOnly value={created.token} onFocus={(e) => (e.target as HTMLInputElement).select()} />
        </div>
      )}
      <form class="inline-form" onSubmit={create}>
        <div class="form-row">
          <label for="token-name">Name of a new token</label>
          <input id="token-name" value={name} placeholder="nightly export" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit" class="primary" disabled={busy}>
          Create token
        </button>
      </form>
      {tokens.error && <ErrorBox error={tokens.error} onRetry={tokens.reload} />}
      {!tokens.data && !tokens.error && <Loading />}
      {tokens.data && tokens.data.items.length === 0 && <Empty>No tokens.</Empty>}
      {tokens.data && tokens.data.items.length > 0 && (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span class="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.data.items.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td>{fmtDate(t.created_at)}</td>
                <td>{t.last_used_at ? fmtDate(t.last_used_at) : 'never'}</td>
                <td>
                  {t.revoked_at ? (
                    <span class="muted">revoked {fmtDate(t.revoked_at)}</span>
                  ) : (
                    <button type="button" class="danger" onClick={() => revoke(t.id)} aria-label={`Revoke token ${t.name}`}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

function SecondFactor() {
  const [enrol, setEnrol] = useState<{ secret: string; uri: string } | null>(null);
  const [code, setCode] = useState('');
  const [state, setState] = useState<'unknown' | 'on' | 'off'>('unknown');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async (f: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Second factor" id="totp">
      <p>
        With a second factor, signing in also asks for the 6-digit code of an authenticator app, so a stolen password is
        not enough.
      </p>
      {error !== null && <ErrorBox error={error} />}
      {state === 'on' && <p role="status">The second factor is on.</p>}
      {state === 'off' && <p role="status">The second factor is off.</p>}
      {!enrol && (
        <div class="actions-bar">
          <button
            type="button"
            class="primary"
            disabled={busy}
            onClick={() =>
              run(async () => {
                setEnrol(await api.post<{ secret: string; uri: string }>('/me/totp'));
              })
            }
          >
            Turn on
          </button>
        </div>
      )}
      {enrol && (
        <div>
          <p>
            Add this key to your authenticator app (as a time-based key), then type the code it shows.
          </p>
          <div class="form-row">
            <label for="totp-secret">Key</label>
            <input id="totp-secret" readOnly value={enrol.secret} />
          </div>
          <p class="hint">
            Or open this address in an app that understands it: <code class="break">{enrol.uri}</code>
          </p>
        </div>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run(async () => {
            if (enrol) {
              await api.post('/me/totp/confirm', { code: code.trim() });
              setEnrol(null);
              setState('on');
            } else {
              await api.del('/me/totp', { code: code.trim() });
              setState('off');
            }
            setCode('');
          });
        }}
      >
        <div class="form-row">
          <label for="totp-code">{enrol ? 'Code from the app, to confirm' : 'Code from the app, to turn the second factor off'}</label>
          <input id="totp-code" inputMode="numeric" autocomplete="one-time-code" value={code} onInput={(e) => setCode((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit" disabled={busy || !code.trim()}>
          {enrol ? 'Confirm' : 'Turn off'}
        </button>
      </form>
    </Card>
  );
}
