/** Runs `then` after this long even when the browser reports no paint (hidden tab). */
const FIRST_PAINT_WAIT_MS = 500;

/**
 * Runs `then` once the frame after the current render is on screen. On a page load that is the first
 * contentful paint, which the browser reports only once the frame is presented: work started earlier
 * competes with rasterising it (and nodes replaced before that report never count as painted, for
 * Largest Contentful Paint). Later (in-app navigation) it is the next frame.
 */
export function afterFirstPaint(then: () => void): void {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    observer?.disconnect();
    setTimeout(then);
  };
  const timer = setTimeout(run, FIRST_PAINT_WAIT_MS);
  let observer: PerformanceObserver | undefined;
  const painted = performance.getEntriesByName('first-contentful-paint').length > 0;
  const observable =
    typeof PerformanceObserver !== 'undefined' && PerformanceObserver.supportedEntryTypes?.includes('paint');
  if (painted || !observable) {
    requestAnimationFrame(run);
    return;
  }
  observer = new PerformanceObserver((list) => {
    if (list.getEntriesByName('first-contentful-paint').length) run();
  });
  observer.observe({ type: 'paint' });
}
