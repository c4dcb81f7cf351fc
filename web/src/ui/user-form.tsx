import { useEffect, useState, type FormEvent } from 'react';

/** A labelled id box whose submit moves to the page for that id. */
export function IdForm(props: { label: string; initial: string | null; onSubmit(id: string): void; button?: string }) {
  const [id, setId] = useState(props.initial ?? '');
  useEffect(() => setId(props.initial ?? ''), [props.initial]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (id.trim()) props.onSubmit(id.trim());
  };
  const inputId = `id-${props.label.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <form className="inline" onSubmit={submit} role="search">
      <label htmlFor={inputId}>{props.label}</label>
      <input id={inputId} value={id} onChange={(e) => setId(e.target.value)} />
      <button type="submit">{props.button ?? 'Look up'}</button>
    </form>
  );
}
