import type { RecommendedItem } from '../api/types';
import { num } from './parts';

/** A slate or item list: what is shown, with its score, reason, whether exploration put it there and its propensity. */
export function SlateTable({ items, testId }: { items: RecommendedItem[]; testId?: string }) {
  if (items.length === 0) return <p className="muted">Nothing to show.</p>;
  return (
    <div className="scroll">
      <table data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Item</th>
            <th scope="col">Score</th>
            <th scope="col">Reason</th>
            <th scope="col">Explored</th>
            <th scope="col">Propensity</th>
          </tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <tr key={r.itemId} data-item={r.itemId}>
              <td>{r.position + 1}</td>
              <td>
                <a href={`#/items/${encodeURIComponent(r.itemId)}`}>{r.title ?? r.itemId}</a> <code>{r.itemId}</code>
                {r.category ? <div className="muted small">{r.category}</div> : null}
              </td>
              <td>{num(r.score)}</td>
              <td>{r.reason}</td>
              <td>{r.explored ? <span className="badge explore">explored</span> : 'no'}</td>
              <td>{num(r.propensity)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
