// Zoom and pan for the full-size diagram page (docs/usage.md). A file of its
// own: the Content-Security-Policy allows no inline script. Without it the
// diagram shows at its natural size in a scrollable box, nodes still linked.

(() => {
  const viewport = document.querySelector("[data-diagram]");
  const svg = viewport?.querySelector("svg");
  if (!viewport || !svg) return;
  const width = Number(svg.dataset.width);
  const height = Number(svg.dataset.height);
  if (!(width > 0 && height > 0)) return;
  const tools = document.querySelector("[data-diagram-tools]");
  const level = document.querySelector("[data-zoom-level]");
  const MIN = 0.05;
  const MAX = 4;
  let scale = 1;

  // Keeps the point (x, y) of the viewport over the same spot of the drawing.
  function zoomTo(next, x = viewport.clientWidth / 2, y = viewport.clientHeight / 2) {
    const clamped = Math.min(MAX, Math.max(MIN, next));
    const ratio = clamped / scale;
    const left = (viewport.scrollLeft + x) * ratio - x;
    const top = (viewport.scrollTop + y) * ratio - y;
    scale = clamped;
    svg.setAttribute("width", `${(width * scale).toFixed(1)}pt`);
    svg.setAttribute("height", `${(height * scale).toFixed(1)}pt`);
    viewport.scrollLeft = left;
    viewport.scrollTop = top;
    if (level) level.textContent = `${Math.round(scale * 100)} %`;
  }
  // 1 pt is 4/3 CSS pixels.
  const fitToWindow = () =>
    zoomTo(Math.min(viewport.clientWidth / ((width * 4) / 3), viewport.clientHeight / ((height * 4) / 3)));

  if (tools) {
    tools.hidden = false;
    tools.addEventListener("click", (event) => {
      const button = event.target.closest("[data-zoom]");
      if (!button) return;
      const action = button.dataset.zoom;
      if (action === "in") zoomTo(scale * 1.25);
      else if (action === "out") zoomTo(scale / 1.25);
      else if (action === "fit") fitToWindow();
      else zoomTo(1);
    });
  }
  viewport.addEventListener(
    "wheel",
    (event) => {
      if (!event.ctrlKey && !event.metaKey) return;
      event.preventDefault();
      const box = viewport.getBoundingClientRect();
      zoomTo(scale * (event.deltaY < 0 ? 1.1 : 1 / 1.1), event.clientX - box.left, event.clientY - box.top);
    },
    { passive: false },
  );

  // Drag to pan; a click without movement still follows a node's link.
  let drag = null;
  viewport.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    drag = { x: event.clientX, y: event.clientY, left: viewport.scrollLeft, top: viewport.scrollTop, moved: false };
  });
  viewport.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 5) return;
    if (!drag.moved) {
      drag.moved = true;
      viewport.classList.add("dragging");
      viewport.setPointerCapture(event.pointerId);
    }
    viewport.scrollLeft = drag.left - dx;
    viewport.scrollTop = drag.top - dy;
  });
  const end = () => {
    viewport.classList.remove("dragging");
    setTimeout(() => {
      drag = null;
    });
  };
  viewport.addEventListener("pointerup", end);
  viewport.addEventListener("pointercancel", end);
  viewport.addEventListener(
    "click",
    (event) => {
      if (drag?.moved) event.preventDefault();
    },
    true,
  );
  viewport.addEventListener("keydown", (event) => {
    if (event.key === "+" || event.key === "=") zoomTo(scale * 1.25);
    else if (event.key === "-") zoomTo(scale / 1.25);
    else if (event.key === "0") zoomTo(1);
  });
  zoomTo(1);
})();
