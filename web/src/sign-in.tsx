import { useState, type FormEvent } from 'react';

/** Asks for an API key; it is checked with /v1/auth/whoami and kept in sessionStorage only. */
export function SignIn(props: { onSubmit(key: string): void; message?: string }) {
  const [key, setKey] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (key.trim()) props.onSubmit(key.trim());
  };
  return (
    <main className="sign-in">
      <h1>Curio console</h1>
      <form onSubmit={submit}>
        <label htmlFor="api-key">API key</label>
        <input id="api-key" type="password" autoComplete="off" autoFocus value={key} onChange={(e) => setKey(e.target.value)} />
        <button type="submit">Sign in</button>
        {props.message ? (
          <p className="error" role="alert">
            {props.message}
          </p>
        ) : null}
        <p className="muted">
          The key is kept for this browser tab only (sessionStorage) and sent with each request. What its scopes do not allow is hidden.
        </p>
      </form>
    </main>
  );
}
