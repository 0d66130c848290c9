/**
 * Loaded into one soak replica with SOAK_LEAK_MB_PER_S set (bench/soak.ts): holds on to that many MB a
 * second, written so the pages are resident, to prove the soak's RSS goal fails on a real leak.
 * Not a benchmark itself: run.ts skips `_` files.
 */
const mbPerSecond = Number(process.env.SOAK_LEAK_MB_PER_S);
const held: Buffer[] = [];
setInterval(() => held.push(Buffer.alloc(mbPerSecond * 2 ** 20, 1)), 1_000).unref();
