/* lowrank-explorable: drag x and watch a rank-1 update, z = Wx + (vᵀx) u, move.
 * A vanilla custom element: SVG built with createElementNS, no framework, no eval, no inline
 * style (colours are CSS custom properties set through the CSSOM, which a strict CSP allows).
 * Its numbers come from the JSON in data-config, written by `render.py export --explorable`.
 * Nothing moves by itself: the figure changes only when the reader drags, types or slides. */
(() => {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  const MINUS = "\u2212";
  const SIGNIFICANT = 3, MAX_DECIMALS = 5, NOISE = 1e-9;
  const ROLES = ["x", "v", "u", "y", "z", "alpha"];
  const SURFACES = ["background", "text", "muted", "grid", "axes"];
  const HEAD = 12, HALF_HEAD = 5, HIT = 22;

  // Numbers are written as lowrank_anim/maths/formatting.py writes them in the video.
  const decimalsFor = (m) =>
    !isFinite(m) || m <= 0 ? SIGNIFICANT - 1
      : Math.max(0, Math.min(MAX_DECIMALS, SIGNIFICANT - 1 - Math.floor(Math.log10(m))));
  function formatNumber(value, reference = 0) {
    const m = Math.abs(value);
    if (value === 0 || m <= NOISE * Math.abs(reference)) return "0";
    if (m < 10 ** -(MAX_DECIMALS - SIGNIFICANT + 1) * 0.9995) {
      const [mantissa, power] = value.toExponential(SIGNIFICANT - 1).split("e");
      return `${mantissa}e${parseInt(power, 10)}`;
    }
    return value.toFixed(decimalsFor(m));
  }
  const trim = (t) => (!t.includes(".") || t.includes("e") ? t : t.replace(/0+$/, "").replace(/\.$/, ""));
  function formatMany(values) {
    const reference = Math.max(0, ...values.map(Math.abs));
    return values.map((v) => trim(formatNumber(v, reference)));
  }
  const shown = (t) => t.replace(/-/g, MINUS);
  const column = (values) => shown(`(${formatMany(values).join(", ")})`);

  const el = (name, attrs = {}, parent = null, ns = SVG) => {
    const node = ns ? document.createElementNS(ns, name) : document.createElement(name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
  };
  const html = (name, attrs, parent) => el(name, attrs, parent, null);

  class LowRankExplorable extends HTMLElement {
    connectedCallback() {
      if (this.cfg) return;
      let cfg;
      try {
        cfg = JSON.parse(this.getAttribute("data-config"));
      } catch (_) {
        return; // the poster inside stays: a figure that cannot start shows the picture
      }
      this.cfg = cfg;
      for (const theme of ["dark", "light"]) {
        for (const key of [...ROLES, ...SURFACES]) {
          this.style.setProperty(`--lr-${theme}-${key}`, cfg.palette[theme][key]);
        }
      }
      this.build();
      this.setX(cfg.x[0], cfg.x[1]);
    }

    build() {
      const { view, labels } = this.cfg;
      const figure = html("figure", { class: "lr-figure" });
      const svg = el("svg", {
        class: "lr-svg", viewBox: `0 0 ${view.width} ${view.height}`,
        width: view.width, height: view.height, role: "group", "aria-label": this.cfg.title,
      }, figure);
      el("rect", { class: "lr-bg", width: view.width, height: view.height }, svg);
      this.drawGrid(el("g", { class: "lr-grid" }, svg));
      if (this.cfg.circle) {
        // InputSweep: x only turns, on the circle through where it starts.
        const [cx, cy] = this.px([0, 0]), s = view.width / (view.xmax - view.xmin);
        el("circle", { class: "lr-circle", cx, cy, r: this.cfg.domain * s }, svg);
      }
      this.vline = el("line", { class: "lr-vline lr-v" }, svg);
      this.drop = el("line", { class: "lr-drop" }, svg);
      this.arrows = {};
      for (const role of ["shadow", "v", "u", "y", "x", "alpha", "z"]) {
        const g = el("g", { class: `lr-arrow lr-${role === "shadow" ? "v lr-shadow" : role}` }, svg);
        this.arrows[role] = { line: el("line", {}, g), head: el("polygon", {}, g) };
      }
      this.labels = {};
      for (const role of ROLES) {
        this.labels[role] = el("text", { class: `lr-label lr-${role}` }, svg);
        this.labels[role].textContent = labels[role];
      }
      this.handle = el("circle", {
        class: "lr-handle", r: HIT, tabindex: "0", role: "slider",
        "aria-label": this.cfg.circle ? labels.circle : labels.handle,
      }, svg);
      this.svg = svg;

      const controls = html("div", { class: "lr-controls" }, figure);
      const range = (text, min, max, step) => {
        const label = html("label", {}, controls);
        label.textContent = text + " ";
        return html("input", { type: "range", min, max, step, class: "lr-range" }, label);
      };
      const h = this.cfg.domain;
      this.ranges = this.cfg.circle
        ? [range(labels.angle, 0, 360, this.cfg.angle_step)]
        : [0, 1].map((i) => range(labels.ranges[i], -h, h, this.cfg.step));
      this.readout = html("p", { class: "lr-readout" }, figure);
      this.status = html("p", { class: "lr-status", role: "status", "aria-live": "polite" }, figure);
      this.replaceChildren(figure);
      this.listen();
    }

    drawGrid(g) {
      const { view, grid } = this.cfg;
      const lines = [];
      for (let a = Math.ceil(view.xmin / grid) * grid; a <= view.xmax; a += grid) lines.push([a, view.ymin, a, view.ymax, a]);
      for (let b = Math.ceil(view.ymin / grid) * grid; b <= view.ymax; b += grid) lines.push([view.xmin, b, view.xmax, b, b]);
      for (const [x1, y1, x2, y2, at] of lines) {
        const [p, q] = [this.px([x1, y1]), this.px([x2, y2])];
        el("line", {
          class: Math.abs(at) < grid / 2 ? "lr-axis" : "lr-gridline", x1: p[0], y1: p[1], x2: q[0], y2: q[1],
        }, g);
      }
    }

    listen() {
      const h = this.handle;
      h.addEventListener("pointerdown", (e) => {
        h.setPointerCapture(e.pointerId);
        this.dragging = true;
        e.preventDefault();
      });
      h.addEventListener("pointermove", (e) => {
        if (!this.dragging) return;
        const m = this.svg.getScreenCTM().inverse();
        const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m);
        this.setX(...this.model([p.x, p.y]));
      });
      const end = () => {
        if (!this.dragging) return;
        this.dragging = false;
        this.announce();
      };
      h.addEventListener("pointerup", end);
      h.addEventListener("pointercancel", end);
      const keys = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
      h.addEventListener("keydown", (e) => {
        const d = keys[e.key];
        if (!d) return;
        e.preventDefault();
        const times = e.shiftKey ? 10 : 1;
        if (this.cfg.circle) {
          // Right and up turn x anticlockwise, left and down clockwise.
          this.turnTo(this.angle() + (d[0] + d[1]) * this.cfg.angle_step * times);
          return;
        }
        const step = this.cfg.step * times;
        this.setX(this.x[0] + d[0] * step, this.x[1] + d[1] * step);
      });
      h.addEventListener("keyup", (e) => { if (keys[e.key]) this.announce(); });
      this.ranges.forEach((r, i) => {
        r.addEventListener("input", () => {
          if (this.cfg.circle) return this.turnTo(Number(r.value));
          const x = [...this.x];
          x[i] = Number(r.value);
          this.setX(...x);
        });
        r.addEventListener("change", () => this.announce());
      });
    }

    px(p) {
      const v = this.cfg.view, s = v.width / (v.xmax - v.xmin);
      return [(p[0] - v.xmin) * s, (v.ymax - p[1]) * s];
    }

    model(q) {
      const v = this.cfg.view, s = v.width / (v.xmax - v.xmin);
      return [q[0] / s + v.xmin, v.ymax - q[1] / s];
    }

    /** Move x (clamped to the drag square) and redraw everything from the model. */
    setX(x1, x2) {
      const h = this.cfg.domain, clamp = (a) => Math.min(h, Math.max(-h, a));
      const { W, u, v } = this.cfg;
      let x = [clamp(x1), clamp(x2)];
      if (this.cfg.circle) {
        // On the circle: keep the direction, set the length (the centre keeps the old x).
        const len = Math.hypot(x1, x2);
        x = len > 0 ? [(h * x1) / len, (h * x2) / len] : this.x;
      }
      const y = [W[0][0] * x[0] + W[0][1] * x[1], W[1][0] * x[0] + W[1][1] * x[1]];
      const alpha = v[0] * x[0] + v[1] * x[1];
      const z = [y[0] + alpha * u[0], y[1] + alpha * u[1]];
      const k = alpha / (v[0] * v[0] + v[1] * v[1]);
      const shadow = [k * v[0], k * v[1]];
      Object.assign(this, { x, y, alpha, z, shadow });
      this.draw();
    }

    /** x's angle in degrees, in [0, 360). */
    angle() {
      return ((Math.atan2(this.x[1], this.x[0]) * 180) / Math.PI + 360) % 360;
    }

    /** Put x on its circle at `degrees` (InputSweep). */
    turnTo(degrees) {
      const a = (degrees * Math.PI) / 180, h = this.cfg.domain;
      this.setX(h * Math.cos(a), h * Math.sin(a));
    }

    get state() {
      return { x: [...this.x], y: [...this.y], alpha: this.alpha, z: [...this.z], shadow: [...this.shadow] };
    }

    draw() {
      const O = [0, 0], { u, v } = this.cfg;
      const segments = {
        shadow: [O, this.shadow], v: [O, v], u: [O, u], y: [O, this.y],
        x: [O, this.x], alpha: [this.y, this.z], z: [O, this.z],
      };
      this.tips = {};
      for (const [role, [a, b]] of Object.entries(segments)) this.tips[role] = this.arrow(this.arrows[role], this.px(a), this.px(b));
      const view = this.cfg.view, far = view.width + view.height;
      const vl = Math.hypot(v[0], v[1]);
      const ends = [-1, 1].map((s) => this.px([(s * far * v[0]) / vl, (s * far * v[1]) / vl]));
      this.attrs(this.vline, { x1: ends[0][0], y1: ends[0][1], x2: ends[1][0], y2: ends[1][1] });
      const [p, q] = [this.px(this.x), this.px(this.shadow)];
      this.attrs(this.drop, { x1: p[0], y1: p[1], x2: q[0], y2: q[1] });
      this.attrs(this.handle, { cx: p[0], cy: p[1] });
      if (this.cfg.circle) this.ranges[0].value = this.angle();
      else this.ranges.forEach((r, i) => { r.value = this.x[i]; });
      // A slider needs a number: x₁ (the angle on InputSweep's circle); the text says both.
      const h = this.cfg.domain, circle = this.cfg.circle;
      this.attrs(this.handle, {
        "aria-valuenow": circle ? this.angle() : this.x[0],
        "aria-valuemin": circle ? 0 : -h,
        "aria-valuemax": circle ? 360 : h,
        "aria-valuetext": `x = ${column(this.x)}`,
      });
      this.placeLabels(segments);
      this.writeReadout();
    }

    attrs(node, values) {
      for (const [k, v] of Object.entries(values)) node.setAttribute(k, v);
    }

    /** One arrow from a to b (pixels): the line stops where the head starts. */
    arrow({ line, head }, a, b) {
      const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
      const d = len > 1e-9 ? [(b[0] - a[0]) / len, (b[1] - a[1]) / len] : [1, 0];
      const size = Math.min(HEAD, len * 0.5), half = (HALF_HEAD * size) / HEAD;
      const base = [b[0] - d[0] * size, b[1] - d[1] * size];
      this.attrs(line, { x1: a[0], y1: a[1], x2: base[0], y2: base[1] });
      const corners = [b, [base[0] - d[1] * half, base[1] + d[0] * half], [base[0] + d[1] * half, base[1] - d[0] * half]];
      head.setAttribute("points", corners.map((c) => c.join(",")).join(" "));
      return b;
    }

    /** Each label beside its arrow's tip (αu's beside its middle), at the first spot that is
     * inside the figure and covers no arrow and no label placed before it. */
    placeLabels(segments) {
      const { view } = this.cfg, PAD = 3, tip = this.px(this.x);
      // The drag handle around x's tip is an obstacle too: a label in it would hide the tip.
      const placed = [{ x: tip[0] - HIT, y: tip[1] - HIT, w: 2 * HIT, h: 2 * HIT }];
      const lines = Object.values(segments).map(([a, b]) => [this.px(a), this.px(b)]);
      const hits = (r) =>
        placed.some((o) => r.x < o.x + o.w + PAD && o.x < r.x + r.w + PAD && r.y < o.y + o.h + PAD && o.y < r.y + r.h + PAD) ||
        lines.some(([a, b]) => {
          for (let t = 0; t <= 1; t += 1 / 24) {
            const px = a[0] + (b[0] - a[0]) * t, py = a[1] + (b[1] - a[1]) * t;
            if (px > r.x - PAD && px < r.x + r.w + PAD && py > r.y - PAD && py < r.y + r.h + PAD) return true;
          }
          return false;
        });
      for (const role of ["z", "y", "x", "alpha", "u", "v"]) {
        const [a, b] = lines[Object.keys(segments).indexOf(role)].map((p) => [...p]);
        const anchor = role === "alpha" ? [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2] : b;
        const len = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1;
        const d = [(b[0] - a[0]) / len, (b[1] - a[1]) / len];
        const text = this.labels[role], box = text.getBBox(), w = box.width, h = box.height;
        const dirs = role === "alpha" ? [[-d[1], d[0]], [d[1], -d[0]]] : [d, [-d[1], d[0]], [d[1], -d[0]]];
        for (let k = 0; k < 16; k++) dirs.push([Math.cos((k * Math.PI) / 8), Math.sin((k * Math.PI) / 8)]);
        let best = null;
        for (const dist of [8, 14, 22, 32, 46, 64]) {
          for (const [dx, dy] of dirs) {
            // The box's centre sits `dist` beyond the anchor plus half the box, towards (dx, dy).
            const cx = anchor[0] + dx * (dist + w / 2), cy = anchor[1] + dy * (dist + h / 2);
            const r = { x: cx - w / 2, y: cy - h / 2, w, h };
            const inside = r.x >= PAD && r.y >= PAD && r.x + w <= view.width - PAD && r.y + h <= view.height - PAD;
            if (inside && !hits(r)) { best = r; break; }
            if (inside && !best) best = { ...r, fallback: true };
          }
          if (best && !best.fallback) break;
        }
        best = best || { x: anchor[0], y: anchor[1], w, h };
        placed.push(best);
        // getBBox is measured from the baseline: put the text's box where the spot is.
        this.attrs(text, { x: best.x - box.x + Number(text.getAttribute("x") || 0), y: best.y - box.y + Number(text.getAttribute("y") || 0) });
      }
    }

    writeReadout() {
      const parts = [
        ["x", "x", " = ", column(this.x)],
        ["y", "y", " = Wx = ", column(this.y)],
        ["alpha", "α", " = vᵀx = ", shown(trim(formatNumber(this.alpha)))],
        ["z", "z", " = y + αu = ", column(this.z)],
      ];
      const rows = parts.map(([role, symbol, middle, value]) => {
        const row = html("span", { class: "lr-term" });
        html("b", { class: `lr-${role}` }, row).textContent = symbol;
        row.append(middle + value);
        return row;
      });
      this.readout.replaceChildren(...rows);
    }

    announce() {
      this.status.textContent =
        `x = ${column(this.x)}, α = ${shown(trim(formatNumber(this.alpha)))}, z = ${column(this.z)}`;
    }
  }

  LowRankExplorable.formatNumber = formatNumber;
  LowRankExplorable.formatMany = formatMany;
  if (!customElements.get("lowrank-explorable")) customElements.define("lowrank-explorable", LowRankExplorable);
})();
