// One seeded PRNG for the benchmarks that generate data (scale, pg-scale, soak), so every run
// writes the same trail. mulberry32: exact in 32-bit integer steps, uniform in [0, 1). (An LCG
// computed in doubles, seed * 1103515245, loses bits past 2^53 and falls into a short cycle.)
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
