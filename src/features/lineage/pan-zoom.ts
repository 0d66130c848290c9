import { type Ref, ref } from 'vue';

export interface View {
  x: number;
  y: number;
  k: number;
}

type Bounds = { x: number; y: number; w: number; h: number };

// Node names are 13px at scale 1 (GraphNodeView); the page's body text is 15px, its smallest text 11px.
const NAME_PX = 13;
/** Names at the body text size. */
export const READABLE_SCALE = 15 / NAME_PX;
/** A small graph is never zoomed out below names at the smallest text size: panning beats squinting. */
const PAD = 40;

/**
 * The view that shows a graph: at the readable scale, centred; zoomed out only as far as needed for it to fit,
 * and for a small graph not below legible names (its edges are then a pan away).
 */
export function fitView(rect: { width: number; height: number }, bounds: Bounds): View {
  const fits = Math.min(
    (rect.width - PAD * 2) / Math.max(bounds.w, 1),
    (rect.height - PAD * 2) / Math.max(bounds.h, 1),
  );
  // Zoomed out only as far as the graph needs to fit: a graph drawn past the canvas edges would lie under
  // the side panel, out of reach.
  const k = Math.min(READABLE_SCALE, Math.max(0.05, fits));
  return {
    k,
    x: (rect.width - bounds.w * k) / 2 - bounds.x * k,
    y: (rect.height - bounds.h * k) / 2 - bounds.y * k,
  };
}

/** Pan (drag the background), zoom (wheel, around the pointer) and fit for an SVG canvas. */
export function usePanZoom(svg: Ref<SVGSVGElement | null>) {
  const view = ref<View>({ x: 0, y: 0, k: 1 });
  let panning: { x: number; y: number; vx: number; vy: number; id: number; captured: boolean } | null = null;

  function zoomAt(factor: number, cx: number, cy: number) {
    const { x, y, k } = view.value;
    const next = Math.min(3, Math.max(0.05, k * factor));
    view.value = { k: next, x: cx - ((cx - x) * next) / k, y: cy - ((cy - y) * next) / k };
  }

  function onWheel(event: WheelEvent) {
    event.preventDefault();
    const rect = svg.value!.getBoundingClientRect();
    zoomAt(Math.exp(-event.deltaY * 0.0015), event.clientX - rect.left, event.clientY - rect.top);
  }

  function startPan(event: PointerEvent) {
    panning = {
      x: event.clientX,
      y: event.clientY,
      vx: view.value.x,
      vy: view.value.y,
      id: event.pointerId,
      captured: false,
    };
  }

  function movePan(event: PointerEvent) {
    if (!panning) return;
    if (!panning.captured && Math.hypot(event.clientX - panning.x, event.clientY - panning.y) > 3) {
      svg.value?.setPointerCapture(panning.id);
      panning.captured = true;
    }
    view.value = {
      ...view.value,
      x: panning.vx + event.clientX - panning.x,
      y: panning.vy + event.clientY - panning.y,
    };
  }

  function endPan() {
    panning = null;
  }

  function fit(bounds: Bounds) {
    const rect = svg.value?.getBoundingClientRect();
    if (!rect || rect.width === 0) return;
    view.value = fitView(rect, bounds);
  }

  function zoomBy(factor: number) {
    const rect = svg.value?.getBoundingClientRect();
    if (rect) zoomAt(factor, rect.width / 2, rect.height / 2);
  }

  /** Scrolls the view so a point (graph coordinates) is visible. */
  function reveal(px: number, py: number, w: number, h: number) {
    const rect = svg.value?.getBoundingClientRect();
    if (!rect) return;
    const { x, y, k } = view.value;
    const left = px * k + x;
    const top = py * k + y;
    if (left >= 0 && top >= 0 && left + w * k <= rect.width && top + h * k <= rect.height) return;
    view.value = { k, x: rect.width / 2 - (px + w / 2) * k, y: rect.height / 2 - (py + h / 2) * k };
  }

  return { view, onWheel, startPan, movePan, endPan, fit, zoomBy, reveal };
}
