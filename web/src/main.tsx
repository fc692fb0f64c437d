import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, clearCsrfToken, onUnauthenticated, request, setCsrfToken, type Me } from './api';
import { ErrorBox, Loading } from './components/ui';
import { interceptLinks, match, navigate, useLocation } from './router';
import { Account } from './screens/Account';
import { Admin } from './screens/Admin';
import { Agenda } from './screens/Agenda';
import { Dashboard } from './screens/Dashboard';
import { EntityForm } from './screens/EntityForm';
import { EventForm } from './screens/EventForm';
import { EventPage } from './screens/EventPage';
import { EvidencePage, EvidenceUpload } from './screens/Evidence';
import { FacilityPage } from './screens/Facility';
import { LoginForm } from './screens/Login';
import { MatterPage } from './screens/Matter';
import { People } from './screens/People';
import { PersonPage } from './screens/Person';
import { SearchPage } from './screens/Search';
import { SessionContext } from './session';
import './styles.css';

function Routes() {
  const loc = useLocation();
  const p = loc.path;
  let m: Record<string, string> | null;
  if (match('/', p)) return <Dashboard />;
  if (match('/people', p)) return <People />;
  if (match('/people/new', p)) return <EntityForm collection="people" />;
  if ((m = match('/people/:id/edit', p))) return <EntityForm collection="people" id={m.id} key={m.id} />;
  if ((m = match('/people/:id', p))) return <PersonPage id={m.id} key={m.id} />;
  if (match('/matters/new', p)) return <EntityForm collection="matters" preset={{ client: loc.query.get('client') ?? '' }} />;
  if ((m = match('/matters/:id/edit', p))) return <EntityForm collection="matters" id={m.id} key={m.id} />;
  if ((m = match('/matters/:id', p))) return <MatterPage id={m.id} key={m.id} />;
  if (match('/events/new', p)) return <EventForm key={loc.query.toString()} query={loc.query} />;
  if ((m = match('/events/:id/edit', p))) return <EventForm id={m.id} key={m.id} query={loc.query} />;
  if ((m = match('/events/:id', p))) return <EventPage id={m.id} key={m.id} />;
  if (match('/evidence/new', p)) return <EvidenceUpload key={loc.query.toString()} query={loc.query} />;
  if ((m = match('/evidence/:id', p))) return <EvidencePage id={m.id} key={m.id} />;
  if ((m = match('/facilities/:id', p))) return <FacilityPage id={m.id} key={m.id} />;
  if (match('/search', p)) return <SearchPage query={loc.query} />;
  if (match('/agenda', p)) return <Agenda />;
  if (match('/account', p)) return <Account />;
  if (match('/admin', p)) return <Admin />;
  return (
    <div>
      <h1 tabIndex={-1}>Page not found</h1>
      <p>
        There is no page at <code>{p}</code>. Go to the <a href="/">dashboard</a>.
      </p>
    </div>
  );
}

function Header({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  const loc = useLocation();
  const [q, setQ] = useState(loc.path === '/search' ? loc.query.get('q') ?? '' : '');
  const nav = [
    ['/', 'Dashboard'],
    ['/people', 'People'],
    ['/agenda', 'Agenda'],
    ['/search', 'Search'],
    ...(me.role === 'admin' ? [['/admin', 'Admin']] : []),
  ];
  const isCurrent = (href: string) => (href === '/' ? loc.path === '/' : loc.path.startsWith(href));
  return (
    <header class="topbar">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <a class="brand" href="/">
        Refuge
      </a>
      <nav aria-label="Main">
        <ul>
          {nav.map(([href, label]) => (
            <li key={href}>
              <a href={href} aria-current={isCurrent(href) ? 'page' : undefined}>
                {label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <form
        role="search"
        class="topsearch"
        onSubmit={(e) => {
          e.preventDefault();
          if (q.trim()) navigate('/search?q=' + encodeURIComponent(q.trim()));
        }}
      >
        <label for="topsearch-q" class="visually-hidden">
          Search people, matters, events and notes
        </label>
        <input
          id="topsearch-q"
          type="search"
          placeholder="Search (name, 温浩, A-number)"
          value={q}
          onInput={(e) => setQ((e.target as HTMLInputElement).value)}
        />
        <button type="submit">Search</button>
      </form>
      <div class="who">
        <a href="/account" aria-current={loc.path === '/account' ? 'page' : undefined}>
          {me.username} <span class="muted">({me.role})</span>
        </a>
        <button type="button" class="link-button" onClick={onSignOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}

/** Asks for the password again when the session ends mid-work; the screen below stays as it was. */
function ReauthDialog({ me, onDone, onSwitchUser }: { me: Me; onDone: (me: Me) => void; onSwitchUser: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.open && d.close();
  }, []);
  return (
    <dialog ref={ref} class="reauth" aria-labelledby="reauth-h" onCancel={(e) => e.preventDefault()}>
      <h2 id="reauth-h">Your session has ended</h2>
      <p>Sign in again to go on. Nothing you typed on this page is lost; send it again once you are back.</p>
      <LoginForm fixedUser={me.username} onSignedIn={onDone} idPrefix="reauth" />
      <p>
        <button type="button" class="link-button" onClick={onSwitchUser}>
          Sign in as someone else instead (unsaved changes on this page are dropped)
        </button>
      </p>
    </dialog>
  );
}

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [bootError, setBootError] = useState<unknown>(null);
  const [expired, setExpired] = useState(false);
  const [epoch, setEpoch] = useState(0);
  const loc = useLocation();
  const firstPath = useRef(true);

  const boot = () => {
    setBootError(null);
    request<Me>('GET', '/me', { quiet401: true })
      .then((m) => {
        setCsrfToken(m.csrf_token);
        setMe(m);
      })
      .catch((e) => {
        if (e instanceof ApiError && e.status === 401) setMe(null);
        else setBootError(e);
      });
  };
  useEffect(boot, []);
  useEffect(() => onUnauthenticated(() => setExpired(true)), []);

  useEffect(() => {
    if (firstPath.current) {
      firstPath.current = false;
      return;
    }
    window.scrollTo(0, 0);
    const h = document.querySelector<HTMLElement>('main h1');
    h?.focus();
  }, [loc.path]);

  if (bootError) {
    return (
      <main id="main" class="narrow">
        <h1>Refuge</h1>
        <ErrorBox error={bootError} onRetry={boot} />
      </main>
    );
  }
  if (me === undefined) return <Loading label="Starting Refuge…" />;
  if (me === null) {
    return (
      <main id="main" class="narrow login-page">
        <h1>Sign in to Refuge</h1>
        <LoginForm
          onSignedIn={(m) => {
            setExpired(false);
            setMe(m);
          }}
          idPrefix="login"
        />
      </main>
    );
  }
  const signOut = () => {
    api
      .del('/session')
      .catch(() => undefined)
      .finally(() => {
        clearCsrfToken();
        setExpired(false);
        setMe(null);
        // The next person to sign in on this browser starts at the dashboard.
        navigate('/', { replace: true });
      });
  };
  return (
    <SessionContext.Provider value={{ me, epoch, signOut }}>
      <Header me={me} onSignOut={signOut} />
      <main id="main">
        <Routes />
      </main>
      {expired && (
        <ReauthDialog
          me={me}
          onDone={(m) => {
            setMe(m);
            setExpired(false);
            setEpoch((n) => n + 1);
          }}
          onSwitchUser={() => {
            setExpired(false);
            setMe(null);
          }}
        />
      )}
    </SessionContext.Provider>
  );
}

const root = document.getElementById('app')!;
interceptLinks(root);
render(<App />, root);
