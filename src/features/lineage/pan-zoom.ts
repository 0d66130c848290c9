import { type Ref, ref } from 'vue';

export interface View {
  x: number;
  y: number;
  k: number;
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

  function fit(bounds: { x: number; y: number; w: number; h: number }) {
    const rect = svg.value?.getBoundingClientRect();
    if (!rect || rect.width === 0) return;
    const pad = 40;
    const k = Math.min(
      1.2,
      Math.max(
        0.05,
        Math.min(
          (rect.width - pad * 2) / Math.max(bounds.w, 1),
          (rect.height - pad * 2) / Math.max(bounds.h, 1),
        ),
      ),
    );
    view.value = {
      k,
      x: (rect.width - bounds.w * k) / 2 - bounds.x * k,
      y: (rect.height - bounds.h * k) / 2 - bounds.y * k,
    };
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
