import { useState } from 'preact/hooks';
import { ApiError, request, setCsrfToken, type Me } from '../api';

interface SessionAnswer {
  token?: string;
  username?: string;
  csrf_token?: string;
}

/**
 * Name and password; when the server asks for a second factor (an error naming
 * a field other than username and password), a field for that code appears.
 */
export function LoginForm(props: { fixedUser?: string; onSignedIn: (me: Me) => void; idPrefix: string }) {
  const [username, setUsername] = useState(props.fixedUser ?? '');
  const [password, setPassword] = useState('');
  const [factorField, setFactorField] = useState<string | null>(null);
  const [factor, setFactor] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const id = (s: string) => `${props.idPrefix}-${s}`;

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, string> = { username: username.trim(), password };
      if (factorField) body[factorField] = factor.trim();
      const s = await request<SessionAnswer>('POST', '/session', { body, quiet401: true });
      setCsrfToken(s.csrf_token);
      const me = await request<Me>('GET', '/me', { quiet401: true });
      if (me.csrf_token) setCsrfToken(me.csrf_token);
      setPassword('');
      setFactor('');
      props.onSignedIn(me);
    } catch (err) {
      const ae = err instanceof ApiError ? err : new ApiError(0, 'internal', String(err));
      if (ae.field && ae.field !== 'username' && ae.field !== 'password' && ae.field !== factorField) {
        setFactorField(ae.field);
      }
      setError(ae);
    } finally {
      setBusy(false);
    }
  };

  const fieldError = (f: string) => (error && error.field === f ? error : null);
  const generalError = error && !(error.field && ['username', 'password', factorField].includes(error.field)) ? error : null;
  return (
    <form class="login-form" onSubmit={submit} noValidate>
      {generalError && (
        <div class="error-box" role="alert">
          {generalError.message}
        </div>
      )}
      <div class="form-row">
        <label for={id('user')}>User name</label>
        <input
          id={id('user')}
          name="username"
          autocomplete="username"
          value={username}
          readOnly={!!props.fixedUser}
          required
          aria-invalid={!!fieldError('username')}
          aria-describedby={fieldError('username') ? id('user-err') : undefined}
          onInput={(e) => setUsername((e.target as HTMLInputElement).value)}
        />
        {fieldError('username') && (
          <p class="field-error" id={id('user-err')}>
            {fieldError('username')!.message}
          </p>
        )}
      </div>
      <div class="form-row">
        <label for={id('pass')}>Password</label>
        <input
          id={id('pass')}
          name="password"
          type="password"
          autocomplete="current-password"
          value={password}
          required
          aria-invalid={!!fieldError('password')}
          aria-describedby={fieldError('password') ? id('pass-err') : undefined}
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
        />
        {fieldError('password') && (
          <p class="field-error" id={id('pass-err')}>
            {fieldError('password')!.message}
          </p>
        )}
      </div>
      {factorField && (
        <div class="form-row">
          <label for={id('factor')}>One-time code from your authenticator app</label>
          <input
            id={id('factor')}
            name={factorField}
            inputMode="numeric"
            autocomplete="one-time-code"
            value={factor}
            aria-invalid={!!fieldError(factorField)}
            aria-describedby={fieldError(factorField) ? id('factor-err') : undefined}
            onInput={(e) => setFactor((e.target as HTMLInputElement).value)}
          />
          {fieldError(factorField) && (
            <p class="field-error" id={id('factor-err')}>
              {fieldError(factorField)!.message}
            </p>
          )}
        </div>
      )}
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
