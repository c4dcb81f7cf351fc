// The recommendations widget: an accessible list of links; a click is recorded with the slate's
// recommendationId and the item's position, so the policy learns from it and `curio ope` can use it.

export interface RecommendedItem {
  itemId: string;
  position: number;
  title: string | null;
  reason?: string;
}

export interface Slate {
  recommendationId: string;
  items: RecommendedItem[];
}

export interface WidgetOptions {
  /** Items to show; default 4. */
  n?: number;
  /** The heading (and the region's accessible name); default "Recommended for you". */
  title?: string;
  /** The link of an item; default `#<itemId>`. */
  href?: (item: RecommendedItem) => string;
}

/** Renders `slate` into `el` and calls `onClick` when a shopper follows one of its links. */
export function renderSlate(
  el: Element,
  slate: Slate,
  options: WidgetOptions,
  onClick: (item: RecommendedItem, recommendationId: string) => void,
): void {
  const doc = el.ownerDocument;
  const section = doc.createElement('section');
  section.className = 'curio-recs';
  section.dataset.recommendationId = slate.recommendationId;
  const heading = doc.createElement('h2');
  heading.id = `curio-recs-${slate.recommendationId}`;
  heading.textContent = options.title ?? 'Recommended for you';
  section.setAttribute('aria-labelledby', heading.id);
  const list = doc.createElement('ul');
  for (const item of slate.items) {
    const link = doc.createElement('a');
    link.href = options.href ? options.href(item) : `#${encodeURIComponent(item.itemId)}`;
    link.textContent = item.title ?? item.itemId;
    link.dataset.itemId = item.itemId;
    link.dataset.position = String(item.position);
    if (item.reason) link.title = item.reason;
    // A click, a tap and Enter on a focused link all fire `click`.
    link.addEventListener('click', () => onClick(item, slate.recommendationId));
    const li = doc.createElement('li');
    li.append(link);
    list.append(li);
  }
  section.append(heading, list);
  el.replaceChildren(section);
}
