import type { ReactNode } from 'react';
import type { Loaded } from './use-load';

/** A titled section of a page. */
export function Card(props: { title: string; children: ReactNode; wide?: boolean; testId?: string }) {
  return (
    <section className={props.wide ? 'card wide' : 'card'} aria-label={props.title} data-testid={props.testId}>
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}

/** Renders a loaded value, or says it is loading or why it failed. */
export function Show<T>(props: { loaded: Loaded<T>; children: (value: T) => ReactNode }) {
  const { loaded } = props;
  if (loaded.state === 'loading') return <p className="muted">Loading…</p>;
  if (loaded.state === 'error')
    return (
      <p className="error" role="alert">
        {loaded.message}
      </p>
    );
  return <>{props.children(loaded.value)}</>;
}

/** A figure with its label, for the headline numbers. */
export function Stat(props: { label: string; value: ReactNode; testId?: string }) {
  return (
    <div className="stat" data-testid={props.testId}>
      <div className="stat-value">{props.value}</div>
      <div className="stat-label">{props.label}</div>
    </div>
  );
}

export const pct = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined ? '–' : `${(x * 100).toFixed(digits)} %`;
export const num = (x: number | null | undefined, digits = 3): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : Number(x.toFixed(digits)).toLocaleString('en');
export const when = (ms: number | string): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

/** Colours of the event types and series, readable on the light background. */
export const PALETTE = [
  '#2563eb',
  '#d97706',
  '#059669',
  '#dc2626',
  '#7c3aed',
  '#0891b2',
  '#be185d',
  '#65a30d',
  '#475569',
  '#ea580c',
  '#4f46e5',
];
