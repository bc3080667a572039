// Placement is a pure function of the registry: every node that reads the same registry must
// reach the same plan, or two nodes would both try to adopt one orphaned Space.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CPU_CORE_WEIGHT, SPACE_WEIGHT, assignOrphans, leastLoaded, loadScore, type NodeInfo, type NodeLoad } from '../../../src/cluster/placement-policy.js';

function node(id: string, load: Partial<NodeLoad> = {}, extra: Partial<NodeInfo> = {}): NodeInfo {
  return {
    id,
    url: `http://${id}.test:8080`,
    draining: false,
    load: { peers: 0, spaces: 0, cpu: 0, packetsPerSec: 0, ...load },
    pending: 0,
    at: 1,
    ...extra,
  };
}

type Orphan = { id: string; placedOn: string | null; lastOwner: string | null };
const orphan = (id: string, placedOn: string | null = null, lastOwner: string | null = null): Orphan => ({ id, placedOn, lastOwner });

function countBy(plan: Map<string, string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const target of plan.values()) counts.set(target, (counts.get(target) ?? 0) + 1);
  return counts;
}

describe('placement: loadScore', () => {
  it('weighs peers, Spaces (live and pending) and CPU cores', () => {
    assert.equal(loadScore(node('a')), 0);
    assert.equal(loadScore(node('a', { peers: 7 })), 7);
    assert.equal(loadScore(node('a', { spaces: 2 })), 2 * SPACE_WEIGHT);
    assert.equal(loadScore(node('a', {}, { pending: 3 })), 3 * SPACE_WEIGHT);
    assert.equal(loadScore(node('a', { cpu: 1.5 })), 1.5 * CPU_CORE_WEIGHT);
    assert.equal(loadScore(node('a', { peers: 5, spaces: 1, cpu: 0.5 }, { pending: 1 })), 5 + 2 * SPACE_WEIGHT + 0.5 * CPU_CORE_WEIGHT);
  });

  it('ignores packet rates (they follow peers and would count them twice)', () => {
    assert.equal(loadScore(node('a', { packetsPerSec: 100_000 })), 0);
  });
});

describe('placement: leastLoaded', () => {
  it('is null for no nodes, and for nodes that all drain', () => {
    assert.equal(leastLoaded([]), null);
    assert.equal(leastLoaded([node('a', {}, { draining: true }), node('b', {}, { draining: true })]), null);
  });

  it('picks the lowest score', () => {
    const nodes = [node('a', { peers: 30 }), node('b', { spaces: 1 }), node('c', { cpu: 1 })];
    assert.equal(leastLoaded(nodes)?.id, 'b');
    assert.equal(leastLoaded([node('a', { peers: 5 }), node('b', {}, { pending: 1 })])?.id, 'a');
  });

  it('never picks a draining node, however idle', () => {
    const nodes = [node('idle', {}, { draining: true }), node('busy', { peers: 500, cpu: 3 })];
    assert.equal(leastLoaded(nodes)?.id, 'busy');
  });

  it('breaks ties by the smaller id, whatever the order', () => {
    const nodes = [node('n3', { peers: 4 }), node('n1', { peers: 4 }), node('n2', { peers: 4 }), node('n0', { peers: 9 })];
    for (const order of [nodes, [...nodes].reverse(), [nodes[1]!, nodes[0]!, nodes[3]!, nodes[2]!]]) {
      assert.equal(leastLoaded(order)?.id, 'n1');
    }
  });

  it('agrees with a brute-force minimum on random registries', () => {
    fc.assert(
      fc.property(arbNodes(), (nodes) => {
        const open = nodes.filter((n) => !n.draining);
        const got = leastLoaded(nodes);
        if (open.length === 0) return got === null;
        const expected = [...open].sort((x, y) => loadScore(x) - loadScore(y) || (x.id < y.id ? -1 : 1))[0]!;
        return got?.id === expected.id;
      }),
    );
  });
});

describe('placement: assignOrphans', () => {
  it('spreads a dead node’s Spaces over the nodes left, instead of piling them on the least loaded', () => {
    const nodes = [node('a'), node('b'), node('c')];
    const orphans = Array.from({ length: 9 }, (_, i) => orphan(`s${i}`, null, 'dead'));
    const plan = assignOrphans(orphans, nodes);
    assert.equal(plan.size, 9);
    assert.deepEqual(Object.fromEntries(countBy(plan)), { a: 3, b: 3, c: 3 });
  });

  it('gives more to a lighter node: each assignment weighs on the next', () => {
    const nodes = [node('light'), node('heavy', { spaces: 3 })];
    const plan = assignOrphans(
      Array.from({ length: 5 }, (_, i) => orphan(`s${i}`, null, 'dead')),
      nodes,
    );
    // light takes three to catch up with heavy's three, then they alternate (ties: 'heavy' < 'light').
    assert.deepEqual(Object.fromEntries(countBy(plan)), { light: 4, heavy: 1 });
  });

  it('sends a Space back to where it was placed, then to its last owner, while that node takes Spaces', () => {
    const nodes = [node('a'), node('b', { peers: 1000 }), node('c', { peers: 1000 })];
    const plan = assignOrphans(
      [
        orphan('placed', 'b', 'c'),
        orphan('owned', null, 'c'),
        orphan('free', null, null),
        orphan('placedGone', 'gone', 'c'),
        orphan('bothGone', 'gone', 'gone2'),
      ],
      nodes,
    );
    assert.equal(plan.get('placed'), 'b');
    assert.equal(plan.get('owned'), 'c');
    assert.equal(plan.get('free'), 'a');
    assert.equal(plan.get('placedGone'), 'c');
    assert.equal(plan.get('bothGone'), 'a');
  });

  it('is not sticky to a draining node, and never assigns to one', () => {
    const nodes = [node('drainer', {}, { draining: true }), node('b', { peers: 50 }), node('c', { peers: 60 })];
    const plan = assignOrphans([orphan('s1', 'drainer', 'drainer'), orphan('s2', null, 'drainer'), orphan('s3', 'drainer', null)], nodes);
    assert.equal(plan.size, 3);
    for (const target of plan.values()) assert.notEqual(target, 'drainer');
  });

  it('plans nothing when no node takes Spaces', () => {
    assert.equal(assignOrphans([orphan('s1', 'a', 'a')], [node('a', {}, { draining: true })]).size, 0);
    assert.equal(assignOrphans([orphan('s1')], []).size, 0);
  });

  it('does not change the registry it is given', () => {
    const nodes = [node('a'), node('b')];
    const before = structuredClone(nodes);
    assignOrphans([orphan('s1'), orphan('s2'), orphan('s3')], nodes);
    assert.deepEqual(nodes, before);
  });

  it('gives the same plan whatever the order of orphans and nodes (every node must agree)', () => {
    fc.assert(
      fc.property(
        arbNodes(),
        fc.uniqueArray(fc.integer({ min: 0, max: 500 }), { maxLength: 40 }),
        fc.array(fc.option(fc.constantFrom('n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'gone'), { nil: null }), { minLength: 80, maxLength: 80 }),
        fc.nat(),
        fc.nat(),
        (nodes, spaceNumbers, refs, seedA, seedB) => {
          const orphans = spaceNumbers.map((n, i) => orphan(`space-${n}`, refs[2 * i]!, refs[2 * i + 1]!));
          const plan = assignOrphans(orphans, nodes);
          const again = assignOrphans(shuffle(orphans, seedA), shuffle(nodes, seedB));
          assert.deepEqual([...again].sort(), [...plan].sort());

          const open = new Set(nodes.filter((n) => !n.draining).map((n) => n.id));
          // Every orphan is planned when some node takes Spaces, none otherwise; only open nodes get any.
          assert.equal(plan.size, open.size === 0 ? 0 : orphans.length);
          for (const o of orphans) {
            const target = plan.get(o.id);
            if (target === undefined) continue;
            assert.ok(open.has(target), `${o.id} → ${target}`);
            const sticky = [o.placedOn, o.lastOwner].find((id) => id !== null && open.has(id));
            if (sticky) assert.equal(target, sticky);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** Registries of up to six nodes n0…n5 (ids unique), some draining, with assorted loads. */
function arbNodes(): fc.Arbitrary<NodeInfo[]> {
  return fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { maxLength: 6 }).chain((ids) =>
    fc.tuple(
      ...ids.map((i) =>
        fc
          .record({
            peers: fc.integer({ min: 0, max: 60 }),
            spaces: fc.integer({ min: 0, max: 4 }),
            cpu: fc.constantFrom(0, 0.25, 0.5, 1, 2),
            pending: fc.integer({ min: 0, max: 3 }),
            draining: fc.boolean(),
          })
          .map((r) => node(`n${i}`, { peers: r.peers, spaces: r.spaces, cpu: r.cpu }, { pending: r.pending, draining: r.draining })),
      ),
    ),
  );
}

/** A deterministic permutation (Fisher–Yates driven by a small LCG). */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
