import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, createApi, type CurioApi } from './api/client';
import type { Scope, Whoami } from './api/types';
import { allows, forgetKey, saveKey, savedKey } from './session';
import { SignIn } from './sign-in';
import { Overview } from './pages/overview';
import { Shopper } from './pages/shopper';
import { Items } from './pages/items';
import { SegmentsPage } from './pages/segments';
import { Explore } from './pages/explore';
import { ModelsPage } from './pages/models';
import { ExperimentsPage } from './pages/experiments';
import { Privacy } from './pages/privacy';

export interface PageProps {
  api: CurioApi;
  scopes: Scope[];
  /** The hash route's argument, e.g. the user id of #/shopper/u1. */
  arg: string | null;
  /** Moves to another page (and argument) through the hash, so the back button works. */
  go(page: string, arg?: string): void;
}

interface Page {
  id: string;
  title: string;
  /** The scope a key needs to see the page at all; pages hide their parts that need more. */
  needs: Scope;
  render(props: PageProps): ReactNode;
}

const PAGES: Page[] = [
  { id: 'overview', title: 'Overview', needs: 'read', render: (p) => <Overview {...p} /> },
  { id: 'shopper', title: 'Shopper', needs: 'read', render: (p) => <Shopper {...p} /> },
  { id: 'items', title: 'Items', needs: 'read', render: (p) => <Items {...p} /> },
  { id: 'segments', title: 'Segments', needs: 'read', render: (p) => <SegmentsPage {...p} /> },
  { id: 'explore', title: 'Explore/exploit', needs: 'admin', render: (p) => <Explore {...p} /> },
  { id: 'models', title: 'Models', needs: 'admin', render: (p) => <ModelsPage {...p} /> },
  { id: 'experiments', title: 'Experiments', needs: 'admin', render: (p) => <ExperimentsPage {...p} /> },
  { id: 'privacy', title: 'Privacy', needs: 'read', render: (p) => <Privacy {...p} /> },
];

function readHash(): { page: string; arg: string | null } {
  const [page = '', ...rest] = window.location.hash.replace(/^#\/?/, '').split('/');
  return { page, arg: rest.length > 0 && rest.join('/') !== '' ? decodeURIComponent(rest.join('/')) : null };
}

function useHash() {
  const [hash, setHash] = useState(readHash);
  useEffect(() => {
    const onChange = () => setHash(readHash());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

type Session = { state: 'signed-out'; message?: string } | { state: 'checking' } | { state: 'in'; key: string; who: Whoami };

/** The console: sign-in, then the pages the key's scopes allow, one at a time by URL hash. */
export function App() {
  const [session, setSession] = useState<Session>(() => (savedKey() ? { state: 'checking' } : { state: 'signed-out' }));
  const { page, arg } = useHash();

  const signIn = async (key: string) => {
    setSession({ state: 'checking' });
    try {
      const who = await createApi(key).whoami();
      saveKey(key);
      setSession({ state: 'in', key, who });
    } catch (error) {
      forgetKey();
      const message = error instanceof ApiError && error.status === 401 ? `Refused: ${error.message}` : String((error as Error).message);
      setSession({ state: 'signed-out', message });
    }
  };
  useEffect(() => {
    const key = savedKey();
    if (key) void signIn(key);
  }, []);

  const api = useMemo(() => (session.state === 'in' ? createApi(session.key) : null), [session]);
  if (session.state === 'checking') return <p className="muted centre">Checking the key…</p>;
  if (session.state === 'signed-out' || !api)
    return <SignIn onSubmit={signIn} message={session.state === 'signed-out' ? session.message : undefined} />;

  const scopes = session.who.scopes;
  const visible = PAGES.filter((p) => allows(scopes, p.needs));
  const current = visible.find((p) => p.id === page) ?? visible[0];
  const go = (to: string, to_arg?: string) => {
    window.location.hash = `#/${to}${to_arg ? `/${encodeURIComponent(to_arg)}` : ''}`;
  };
  const signOut = () => {
    forgetKey();
    setSession({ state: 'signed-out' });
  };

  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Curio console</span>
        <nav aria-label="Pages">
          {visible.map((p) => (
            <a key={p.id} href={`#/${p.id}`} aria-current={p.id === current?.id ? 'page' : undefined}>
              {p.title}
            </a>
          ))}
        </nav>
        <span className="who" data-testid="who">
          {session.who.actor} · {scopes.join(', ')}
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        {current ? (
          <>
            <h1>{current.title}</h1>
            {current.render({ api, scopes, arg: current.id === page ? arg : null, go })}
          </>
        ) : (
          <p>This key&apos;s scopes ({scopes.join(', ') || 'none'}) allow nothing the console shows: it needs read or admin.</p>
        )}
      </main>
    </div>
  );
}
