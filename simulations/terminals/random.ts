import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

// Seeded randomness for the simulator: the same seed gives the same arrivals, cards, amounts and
// duplicates, so a failing run can be repeated.

export type Random = {
  /** Uniform in [0, 1). */
  fraction: () => number;
  /** Uniform integer in [from, to]. */
  integer: (from: number, to: number) => number;
  pick: <Item>(items: readonly Item[]) => Item;
  /** Waiting time to the next event of a Poisson process of `ratePerSecond`, in milliseconds. */
  exponentialMs: (ratePerSecond: number) => number;
  shuffle: <Item>(items: Item[]) => Item[];
};

export const createRandom = (seed: number): Random => {
  const rng = xoroshiro128plus(seed);
  const fraction = () => uniformFloat64(rng);
  const integer = (from: number, to: number) => uniformInt(rng, from, to);
  return {
    fraction,
    integer,
    pick: (items) => {
      if (items.length === 0) throw new Error('cannot pick from nothing');
      return items[integer(0, items.length - 1)] as (typeof items)[number];
    },
    exponentialMs: (ratePerSecond) => (-Math.log(1 - fraction()) / ratePerSecond) * 1_000,
    shuffle: (items) => {
      for (let index = items.length - 1; index > 0; index -= 1) {
        const other = integer(0, index);
        [items[index], items[other]] = [
          items[other] as (typeof items)[number],
          items[index] as (typeof items)[number],
        ];
      }
      return items;
    },
  };
};
