import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/index.js';
import { ExperimentRegistry } from './registry.js';

const twoArms = (id: string) => ({
  id,
  name: `Test ${id}`,
  arms: [
    { id: 'control', weight: 1 },
    { id: 'explore-more', weight: 1, exploreWeight: 0.3 },
  ],
});

describe('ExperimentRegistry', () => {
  let store: Store;
  let registry: ExperimentRegistry;
  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
    registry = new ExperimentRegistry(store, 0);
    await registry.start();
  });
  afterEach(async () => {
    registry.stop();
    await store.close();
  });

  it('creates drafts with defaults and refuses a taken id or bad arms with the field and reason', async () => {
    const e = await registry.create(twoArms('e1'));
    expect(e).toMatchObject({ state: 'draft', surface: 'recommendations', primaryMetric: 'conversion', startedAt: null });
    await expect(registry.create(twoArms('e1'))).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(registry.create({ ...twoArms('e2'), arms: [{ id: 'only' }] })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      problems: [expect.objectContaining({ path: 'arms' })],
    });
    await expect(registry.create({ ...twoArms('e3'), arms: [{ id: 'a' }, { id: 'a' }] })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('lets one experiment own a surface at a time, and follows the lifecycle', async () => {
    await registry.create(twoArms('e1'));
    await registry.create(twoArms('e2'));
    await registry.transition('e1', 'start');
    expect(registry.runningOn('recommendations')?.id).toBe('e1');
    await expect(registry.transition('e2', 'start')).rejects.toMatchObject({ code: 'CONFLICT' });
    await registry.transition('e1', 'pause');
    expect(registry.runningOn('recommendations')).toBeUndefined();
    await registry.transition('e2', 'start');
    await registry.transition('e2', 'stop');
    await expect(registry.transition('e2', 'start')).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await registry.get('e2')).history.map((h) => h.change)).toEqual(['created', 'start', 'stop']);
  });

  it('changes weights of named arms only, and survives a restart', async () => {
    await registry.create(twoArms('e1'));
    await registry.transition('e1', 'start');
    await registry.setWeights('e1', { arms: [{ id: 'explore-more', weight: 3 }] });
    await expect(registry.setWeights('e1', { arms: [{ id: 'nope', weight: 1 }] })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    const again = new ExperimentRegistry(store, 0);
    await again.start();
    const running = again.runningOn('recommendations');
    expect(running?.arms.map((a) => [a.id, a.weight])).toEqual([
      ['control', 1],
      ['explore-more', 3],
    ]);
    again.stop();
  });
});
