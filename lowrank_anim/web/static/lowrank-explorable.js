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
  const HEAD = 12, HALF_HEAD = 5;
  // On screen, in CSS pixels, whatever the figure's width: the handle is a 44-px target
  // (WCAG 2.5.5) and a label's font at least 14 px; the SVG's own sizes grow when it shrinks.
  const HIT_PX = 23, LABEL_PX = 17, MIN_LABEL_PX = 14, RING_GAP_PX = 4;
  const BIG_STEP = 10;
  let figures = 0;

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
  const one = (value) => shown(trim(formatNumber(value)));

  // Exact decimals. Steps are decimal numbers (0.0625, 2°), but binary floats drift when added
  // twenty times (1.5000000000000002), and a sum of products that is 0 comes out as 2e-16.
  /** How many decimals `n` is written with (0.0625 → 4), at most 12. */
  const placesOf = (n) => {
    const [digits, power] = String(Math.abs(n)).split("e");
    const dot = digits.indexOf(".");
    return Math.min(12, Math.max(0, (dot < 0 ? 0 : digits.length - dot - 1) - Number(power || 0)));
  };
  const roundTo = (value, places) => Number(value.toFixed(places)) + 0; // + 0 turns −0 into 0
  /** A sum of terms, exact to 12 significant figures, and 0 when it is round-off next to them. */
  const sum = (...terms) => {
    const total = terms.reduce((a, b) => a + b, 0);
    const scale = terms.reduce((a, b) => a + Math.abs(b), 0);
    return Math.abs(total) <= 1e-12 * scale ? 0 : Number(total.toPrecision(12));
  };

  const el = (name, attrs = {}, parent = null, ns = SVG) => {
    const node = ns ? document.createElementNS(ns, name) : document.createElement(name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
  };
  const html = (name, attrs, parent) => el(name, attrs, parent, null);
  /** Text with ᵀ written as a superscript T (a speech engine reads "ᵀ" as a code point). */
  const richText = (node, text) => {
    text.split("ᵀ").forEach((part, i) => {
      if (i) html("sup", {}, node).textContent = "T";
      node.append(part);
    });
    return node;
  };

  // Which theme the page uses. A blog says it in one of these ways, tried in this order; the
  // export's --theme (data-default-theme) and then the reader's system are the fallbacks.
  const SCHEMES = ["light", "dark"];
  const rgba = (css) => {
    const m = css.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  };
  const luminance = ({ r, g, b }) => {
    const f = (c) => ((c /= 255) <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const systemScheme = () => (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
  /** One scheme from a color-scheme value ("dark", "only light"), or null ("light dark", "normal"). */
  const oneScheme = (value) => {
    const named = (value || "").split(/\s+/).filter((w) => SCHEMES.includes(w));
    return named.length === 1 ? named[0] : null;
  };
  function pageScheme(element) {
    // 1. An attribute: data-theme="light|dark" on the figure or any element around it.
    const marked = element.closest("[data-theme]");
    const said = marked && marked.getAttribute("data-theme").trim().toLowerCase();
    if (SCHEMES.includes(said)) return said;
    // 2. The page's color-scheme: the CSS property (inherited), or the <meta> tag.
    const parent = element.parentElement || document.documentElement;
    const css = oneScheme(getComputedStyle(parent).colorScheme);
    if (css) return css;
    const meta = document.querySelector('meta[name="color-scheme"]');
    const tagged = meta && oneScheme(meta.getAttribute("content"));
    if (tagged) return tagged;
    // 3. What the page paints behind the figure: the nearest opaque background.
    for (let node = parent; node; node = node.parentElement) {
      const style = getComputedStyle(node), colour = rgba(style.backgroundColor);
      if (colour && colour.a >= 0.5) return luminance(colour) < 0.18 ? "dark" : "light";
      if (style.backgroundImage !== "none") return null; // a picture: its colour is unknown
    }
    // Nothing painted: the canvas, white unless the page follows the system ("light dark").
    const root = getComputedStyle(document.documentElement).colorScheme || "normal";
    return root.includes("dark") ? null : "light";
  }

  class LowRankExplorable extends HTMLElement {
    connectedCallback() {
      if (this.cfg) {
        if (!this.themeWatch) this.followTheme(); // moved in the page: watch its theme again
        return;
      }
      let cfg;
      try {
        cfg = JSON.parse(this.getAttribute("data-config"));
      } catch (_) {
        return; // the poster inside stays: a figure that cannot start shows the picture
      }
      this.cfg = cfg;
      this.id = this.id || `lowrank-explorable-${++figures}`;
      for (const theme of SCHEMES) {
        for (const key of [...ROLES, ...SURFACES]) {
          this.style.setProperty(`--lr-${theme}-${key}`, cfg.palette[theme][key]);
        }
      }
      this.followTheme();
      // Places for exact decimals: those of the step, the starting x and the square's edge.
      this.places = Math.max(placesOf(cfg.step), ...cfg.x.map(placesOf), placesOf(cfg.domain));
      const startDegrees = (Math.atan2(cfg.x[1], cfg.x[0]) * 180) / Math.PI;
      this.anglePlaces = Math.max(placesOf(cfg.angle_step), placesOf(startDegrees));
      this.axis = 0;
      this.build();
      this.resize();
      if (cfg.circle) this.turnTo(startDegrees);
      else this.setX(cfg.x[0], cfg.x[1]);
    }

    disconnectedCallback() {
      if (this.themeWatch) this.themeWatch.forEach((stop) => stop());
      this.themeWatch = null;
    }

    /** Take the page's theme now, and again whenever the page or the system switches. */
    followTheme() {
      const apply = () => {
        const scheme = pageScheme(this) || this.getAttribute("data-default-theme") || systemScheme();
        this.setAttribute("data-lr-scheme", SCHEMES.includes(scheme) ? scheme : systemScheme());
      };
      apply();
      const system = matchMedia("(prefers-color-scheme: dark)");
      system.addEventListener("change", apply);
      // A blog's theme switch changes an attribute (class, data-theme, style) on <html> or <body>.
      const watcher = new MutationObserver(apply);
      for (const node of [document.documentElement, document.body]) if (node) watcher.observe(node, { attributes: true });
      this.themeWatch = [() => system.removeEventListener("change", apply), () => watcher.disconnect()];
    }

    build() {
      const { view, labels } = this.cfg;
      const id = (part) => `${this.id}-${part}`;
      const figure = html("figure", {
        class: "lr-figure", "aria-labelledby": id("claim"), "aria-describedby": id("given"),
      });
      const plot = html("div", { class: "lr-plot" }, figure);
      const svg = el("svg", {
        class: "lr-svg", viewBox: `0 0 ${view.width} ${view.height}`,
        width: view.width, height: view.height, role: "none",
      }, plot);
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
        // x's shadow on v is α v/|v|²: drawn in α's colour, as the video draws it.
        const g = el("g", { class: `lr-arrow lr-${role === "shadow" ? "alpha lr-shadow" : role}` }, svg);
        this.arrows[role] = { line: el("line", {}, g), head: el("polygon", {}, g) };
      }
      this.handle = el("circle", {
        class: "lr-handle", tabindex: "0", role: "slider",
        "aria-label": this.cfg.circle ? labels.circle : labels.handle,
        "aria-describedby": id("hint"),
      }, svg);
      // Drawn after the handle so `.lr-handle:focus-visible ~ .lr-ring` can show it.
      this.ring = el("circle", { class: "lr-ring", "aria-hidden": "true" }, svg);
      this.svg = svg;
      // The letters are for the eye (the caption and the readout say the same in words). They
      // are HTML over the drawing, each on a patch of the background: legible over the grid,
      // and a contrast checker sees exactly what is behind them.
      const layer = html("div", { class: "lr-labels", "aria-hidden": "true" }, plot);
      this.labels = {};
      for (const role of ROLES) {
        this.labels[role] = html("span", { class: `lr-label lr-${role}` }, layer);
        this.labels[role].textContent = labels[role];
      }

      html("p", { class: "lr-hint", id: id("hint") }, figure).textContent =
        this.cfg.circle ? labels.hint_circle : labels.hint;
      const controls = html("div", { class: "lr-controls" }, figure);
      const range = (text, min, max, step) => {
        const label = html("label", {}, controls);
        // x₁ written x<sub>1</sub>: a speech engine reads the subscript digit's name otherwise.
        const [name, sub] = text.split("_"), words = html("span", {}, label);
        words.append(name);
        if (sub) html("sub", {}, words).textContent = sub;
        return html("input", { type: "range", min, max, step, class: "lr-range" }, label);
      };
      const h = this.cfg.domain;
      this.ranges = this.cfg.circle
        ? [range(labels.angle, 0, 360, this.cfg.angle_step)]
        : [0, 1].map((i) => range(labels.ranges[i], -h, h, this.cfg.step));
      this.readout = html("p", { class: "lr-readout" }, figure);
      this.status = html("p", { class: "lr-status", role: "status", "aria-live": "polite" }, figure);
      const caption = html("figcaption", { class: "lr-caption" }, figure);
      richText(html("span", { id: id("claim") }, caption), this.cfg.claim);
      caption.append(" ");
      html("span", { id: id("given") }, caption).textContent = this.given();
      this.replaceChildren(figure);
      this.listen();
      // A narrow page shrinks the SVG: grow its letters and handle back to readable sizes.
      new ResizeObserver(() => this.resize()).observe(svg);
    }

    /** u, v and W in words, for the caption. */
    given() {
      const { W, u, v } = this.cfg;
      return `u = ${column(u)}, v = ${column(v)}, and W has rows ${column(W[0])} and ${column(W[1])}.`;
    }

    /** Sizes in SVG units that are HIT_PX, LABEL_PX… CSS pixels on screen at the figure's width. */
    resize() {
      const shown = this.svg.getBoundingClientRect().width;
      const scale = shown > 0 ? shown / this.cfg.view.width : 1;
      this.scale = scale;
      this.hit = Math.max(HIT_PX, HIT_PX / scale);
      this.gap = RING_GAP_PX / Math.min(1, scale);
      const label = Math.max(LABEL_PX * scale, MIN_LABEL_PX);
      if (label !== this.labelSize) {
        this.labelSize = label;
        this.style.setProperty("--lr-label-size", `${label}px`);
      }
      this.attrs(this.handle, { r: this.hit });
      this.attrs(this.ring, { r: this.hit + this.gap });
      if (this.x) this.draw();
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
        h.focus({ preventScroll: true }); // so the keys work after a drag
        this.dragging = true;
        e.preventDefault();
      });
      h.addEventListener("pointermove", (e) => {
        if (!this.dragging) return;
        const m = this.svg.getScreenCTM().inverse();
        const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m);
        const [x1, x2] = this.model([p.x, p.y]);
        if (this.cfg.circle) {
          const step = this.cfg.angle_step;
          this.turnTo(Math.round((Math.atan2(x2, x1) * 180) / Math.PI / step) * step);
        } else {
          const step = this.cfg.step, snap = (a) => Math.round(a / step) * step;
          this.setX(snap(x1), snap(x2));
        }
      });
      const end = () => {
        if (!this.dragging) return;
        this.dragging = false;
        this.describeValue(); // once per drag: the value, then the consequences
        this.announce();
      };
      h.addEventListener("pointerup", end);
      h.addEventListener("pointercancel", end);
      h.addEventListener("keydown", (e) => {
        if (!this.keyStep(e.key, e.shiftKey ? BIG_STEP : 1)) return;
        e.preventDefault(); // the page must not scroll (PageUp, End, the arrows)
        this.announce();
      });
      this.ranges.forEach((r, i) => {
        r.addEventListener("input", () => {
          if (this.cfg.circle) return this.turnTo(Number(r.value));
          const x = [...this.x];
          x[i] = Number(r.value);
          this.axis = i;
          this.setX(...x);
        });
        r.addEventListener("change", () => this.announce());
      });
    }

    /** The slider keys of the ARIA Authoring Practices, in two dimensions: ←/→ move x₁ and
     * ↑/↓ x₂ by a step (ten with Shift), PageUp/PageDown x₂ by ten steps, Home/End put x₁ at
     * the square's edges. On the circle every key turns x. Returns whether the key was one. */
    keyStep(key, times) {
      const { circle, domain: h } = this.cfg;
      if (circle) {
        const turns = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1, PageUp: BIG_STEP, PageDown: -BIG_STEP };
        if (key === "Home") this.turnTo(0);
        else if (key === "End") this.turnTo(360);
        else if (key in turns) this.turnTo(this.degrees + turns[key] * (Math.abs(turns[key]) === 1 ? times : 1) * this.cfg.angle_step);
        else return false;
        return true;
      }
      const moves = {
        ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowDown: [1, -1], ArrowUp: [1, 1],
        PageDown: [1, -BIG_STEP], PageUp: [1, BIG_STEP],
      };
      const x = [...this.x];
      if (key === "Home" || key === "End") {
        this.axis = 0;
        x[0] = key === "Home" ? -h : h;
      } else if (key in moves) {
        const [axis, steps] = moves[key];
        this.axis = axis;
        x[axis] += steps * (Math.abs(steps) === 1 ? times : 1) * this.cfg.step;
      } else return false;
      this.setX(...x);
      return true;
    }

    px(p) {
      const v = this.cfg.view, s = v.width / (v.xmax - v.xmin);
      return [(p[0] - v.xmin) * s, (v.ymax - p[1]) * s];
    }

    model(q) {
      const v = this.cfg.view, s = v.width / (v.xmax - v.xmin);
      return [q[0] / s + v.xmin, v.ymax - q[1] / s];
    }

    /** Move x (clamped to the drag square, to exact decimals) and redraw from the model. */
    setX(x1, x2) {
      const h = this.cfg.domain;
      if (this.cfg.circle) {
        // On the circle: keep the direction (the centre keeps the old x).
        if (x1 !== 0 || x2 !== 0) this.turnTo((Math.atan2(x2, x1) * 180) / Math.PI);
        return;
      }
      const exact = (a) => roundTo(Math.min(h, Math.max(-h, a)), this.places);
      this.show([exact(x1), exact(x2)]);
    }

    /** Put x on its circle at `degrees` (InputSweep), kept within [0, 360]. */
    turnTo(degrees) {
      const d = roundTo(degrees === 360 ? 360 : ((degrees % 360) + 360) % 360, this.anglePlaces);
      const a = (d * Math.PI) / 180, h = this.cfg.domain;
      const settle = (t) => (Math.abs(t) <= 1e-12 * h ? 0 : t); // cos 90° is 6e-17
      this.degrees = d;
      this.show([settle(h * Math.cos(a)), settle(h * Math.sin(a))]);
    }

    show(x) {
      const { W, u, v } = this.cfg;
      const y = [0, 1].map((i) => sum(W[i][0] * x[0], W[i][1] * x[1]));
      const alpha = sum(v[0] * x[0], v[1] * x[1]);
      const z = [0, 1].map((i) => sum(W[i][0] * x[0], W[i][1] * x[1], v[0] * x[0] * u[i], v[1] * x[1] * u[i]));
      const k = alpha / (v[0] * v[0] + v[1] * v[1]);
      const shadow = [k * v[0], k * v[1]];
      Object.assign(this, { x, y, alpha, z, shadow });
      this.draw();
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
      // The line through v, clipped to the view (a line far outside it hides the background
      // from contrast checkers, and draws nothing anyone sees).
      const [o, d] = [this.px(O), this.px(v)].reduce((p, q) => [p, [q[0] - p[0], q[1] - p[1]]]);
      const { width, height } = this.cfg.view;
      let t0 = -Infinity, t1 = Infinity;
      for (const [p, dp, max] of [[o[0], d[0], width], [o[1], d[1], height]]) {
        if (Math.abs(dp) < 1e-12) continue;
        const [a, b] = [(0 - p) / dp, (max - p) / dp].sort((m, n) => m - n);
        t0 = Math.max(t0, a);
        t1 = Math.min(t1, b);
      }
      this.attrs(this.vline, { x1: o[0] + t0 * d[0], y1: o[1] + t0 * d[1], x2: o[0] + t1 * d[0], y2: o[1] + t1 * d[1] });
      const [p, q] = [this.px(this.x), this.px(this.shadow)];
      this.attrs(this.drop, { x1: p[0], y1: p[1], x2: q[0], y2: q[1] });
      this.attrs(this.handle, { cx: p[0], cy: p[1] });
      this.attrs(this.ring, { cx: p[0], cy: p[1] });
      if (this.cfg.circle) this.ranges[0].value = this.degrees;
      else this.ranges.forEach((r, i) => { r.value = this.x[i]; });
      // During a drag the slider keeps still for assistive technology: it speaks once, at the end.
      if (!this.dragging) this.describeValue();
      this.placeLabels(segments);
      this.writeReadout();
    }

    /** The slider's value: the coordinate the last key moved (the angle on the circle), and the
     * whole of x as its text. */
    describeValue() {
      const h = this.cfg.domain, circle = this.cfg.circle;
      this.attrs(this.handle, {
        "aria-valuenow": circle ? this.degrees : this.x[this.axis],
        "aria-valuemin": circle ? 0 : -h,
        "aria-valuemax": circle ? 360 : h,
        "aria-valuetext": circle ? `${one(this.degrees)}°, x = ${column(this.x)}` : `x = ${column(this.x)}`,
      });
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
      const { view } = this.cfg, PAD = 3, tip = this.px(this.x), hit = this.hit + this.gap + 2;
      // The drag handle and its focus ring around x's tip are an obstacle too: a label on them
      // would hide the tip or the ring.
      const placed = [{ x: tip[0] - hit, y: tip[1] - hit, w: 2 * hit, h: 2 * hit }];
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
        const text = this.labels[role], box = text.getBoundingClientRect();
        const w = box.width / this.scale, h = box.height / this.scale;
        const dirs = role === "alpha" ? [[-d[1], d[0]], [d[1], -d[0]]] : [d, [-d[1], d[0]], [d[1], -d[0]]];
        for (let k = 0; k < 16; k++) dirs.push([Math.cos((k * Math.PI) / 8), Math.sin((k * Math.PI) / 8)]);
        let best = null;
        for (const dist of [8, 14, 22, 32, 46, 64, 88]) {
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
        text.style.left = `${(100 * best.x) / view.width}%`;
        text.style.top = `${(100 * best.y) / view.height}%`;
      }
    }

    /** Each label's box in SVG units: what the label tests check. */
    labelBoxes() {
      const frame = this.svg.getBoundingClientRect(), s = this.scale;
      return ROLES.map((role) => {
        const r = this.labels[role].getBoundingClientRect();
        return { name: this.labels[role].textContent, x: (r.left - frame.left) / s, y: (r.top - frame.top) / s, width: r.width / s, height: r.height / s };
      });
    }

    writeReadout() {
      const parts = [
        ["x", "x", " = ", column(this.x)],
        ["y", "y", " = Wx = ", column(this.y)],
        ["alpha", "α", " = vᵀx = ", one(this.alpha)],
        ["z", "z", " = y + αu = ", column(this.z)],
      ];
      const rows = parts.map(([role, symbol, middle, value]) => {
        const row = html("span", { class: "lr-term" });
        html("b", { class: `lr-${role}` }, row).textContent = symbol;
        richText(row, middle + value);
        return row;
      });
      this.readout.replaceChildren(...rows);
    }

    /** What the move did, said once per step: the slider itself says where x is. */
    announce() {
      this.status.textContent = `α = ${one(this.alpha)}, z = ${column(this.z)}`;
    }
  }

  LowRankExplorable.formatNumber = formatNumber;
  LowRankExplorable.formatMany = formatMany;
  if (!customElements.get("lowrank-explorable")) customElements.define("lowrank-explorable", LowRankExplorable);
})();
