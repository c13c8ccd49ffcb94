import { api, type RecommendationView } from "./api.js";
import { debounce, errorText, fmt, h, itemLine, replace } from "./dom.js";
import { activeKnobs, neuronName, state } from "./state.js";

const PAGE = 15;

/** The User view: pick a user, move labelled knobs, watch the list re-rank. */
export interface UserView {
  selectUser(id: string): Promise<void>;
  addKnob(neuron: number, value: number): void;
}

interface KnobRow {
  row: HTMLElement;
  input: HTMLInputElement;
  out: HTMLOutputElement;
  desc: HTMLElement;
  name: HTMLElement;
}

/** Builds the User view inside `root`. */
export function mountUserView(root: HTMLElement): UserView {
  const search = h("input", {
    id: "user-search",
    type: "search",
    placeholder: "id or prefix",
    autocomplete: "off",
  });
  const count = h("p", { class: "muted", id: "user-count" });
  const list = h("ul", { class: "list", id: "user-list", "aria-label": "Users" });
  const prev = h("button", { type: "button" }, "Previous");
  const next = h("button", { type: "button" }, "Next");
  const knobsTitle = h("h2", { id: "knobs-title" }, "Knobs");
  const knobs = h("div", { id: "knobs", class: "knobs", role: "group", "aria-labelledby": "knobs-title" });
  const reset = h("button", { type: "button", id: "reset-knobs" }, "Reset knobs");
  const history = h("details", { class: "history" });
  const status = h(
    "p",
    { id: "rec-status", class: "muted", role: "status" },
    "Pick a user to see their recommendations.",
  );
  const recs = h("ol", {
    id: "rec-list",
    class: "recs",
    "aria-live": "polite",
    "aria-label": "Recommendations",
  });
  const leftTitle = h("h3", { hidden: true }, "Left the list");
  const left = h("ul", { id: "left-list", class: "recs left", "aria-label": "Items that left the list" });
  const userTitle = h("h2", { id: "user-title" }, "Recommendations");

  replace(
    root,
    h(
      "div",
      { class: "grid-user" },
      h(
        "aside",
        { class: "panel" },
        h("h2", {}, "Users"),
        h("label", { for: "user-search" }, "Find a user by id"),
        search,
        count,
        list,
        h("div", { class: "pager" }, prev, next),
      ),
      h(
        "section",
        { class: "panel", "aria-labelledby": "knobs-title" },
        knobsTitle,
        h(
          "p",
          { class: "muted" },
          "Each knob is a labelled SAE neuron active for this user. Right boosts the concept, left suppresses it.",
        ),
        knobs,
        h("div", { class: "row" }, reset),
        history,
      ),
      h(
        "section",
        { class: "panel", "aria-labelledby": "user-title" },
        userTitle,
        status,
        recs,
        leftTitle,
        left,
      ),
    ),
  );

  let offset = 0;
  let total = 0;
  const loadUsers = async (): Promise<void> => {
    try {
      const page = await api.users(search.value, offset, PAGE);
      total = page.total;
      count.textContent = `${page.total} user${page.total === 1 ? "" : "s"}${page.total > PAGE ? `, showing ${offset + 1}–${Math.min(offset + PAGE, page.total)}` : ""}`;
      replace(
        list,
        page.users.map((u) =>
          h(
            "li",
            {},
            h(
              "button",
              {
                type: "button",
                class: "link",
                "aria-current": u.id === state.user ? "true" : undefined,
                onClick: () => void view.selectUser(u.id),
              },
              u.id,
              h("span", { class: "muted" }, ` · ${u.interactions} items`),
            ),
          ),
        ),
      );
      prev.disabled = offset === 0;
      next.disabled = offset + PAGE >= total;
    } catch (err) {
      count.textContent = errorText(err);
    }
  };
  search.addEventListener(
    "input",
    debounce(() => ((offset = 0), void loadUsers()), 200),
  );
  prev.addEventListener("click", () => ((offset = Math.max(0, offset - PAGE)), void loadUsers()));
  next.addEventListener("click", () => ((offset += PAGE), void loadUsers()));

  const rows = new Map<number, KnobRow>();
  const knobText = (v: number): string =>
    v > 0 ? `boost ${fmt(v, 2)}` : v < 0 ? `suppress ${Math.round(-v * 100)}%` : "unchanged";
  const ensureKnob = (j: number, label: string | null): KnobRow => {
    let k = rows.get(j);
    if (k) return k;
    const id = `knob-${j}`;
    const value = state.knobs.get(j) ?? 0;
    const input = h("input", {
      id,
      type: "range",
      min: -1,
      max: 1,
      step: 0.05,
      value,
      "aria-describedby": `${id}-desc`,
      "aria-valuetext": knobText(value),
    });
    const out = h("output", { for: id, class: "knob-value" }, knobText(value));
    const desc = h("span", { id: `${id}-desc`, class: "muted knob-desc" });
    const name = h("span", { class: "knob-name" }, neuronName(j, label));
    const row = h(
      "div",
      { class: "knob", "data-neuron": j },
      h("label", { for: id }, name, h("span", { class: "muted" }, ` #${j}`)),
      input,
      out,
      desc,
    );
    input.addEventListener("input", () => {
      const v = Number(input.value);
      state.knobs.set(j, v);
      out.textContent = knobText(v);
      input.setAttribute("aria-valuetext", knobText(v));
      row.classList.toggle("moved", v !== 0);
      rerank();
    });
    k = { row, input, out, desc, name };
    rows.set(j, k);
    knobs.append(row);
    return k;
  };

  let seq = 0;
  let inflight: AbortController | undefined;
  const render = (r: RecommendationView): void => {
    for (const a of r.neurons) {
      const k = ensureKnob(a.neuron, a.label);
      k.name.textContent = neuronName(a.neuron, a.label);
      const changed = Math.abs(a.steeredActivation - a.activation) > 1e-6;
      k.desc.textContent = `activation ${fmt(a.activation)}${changed ? ` → ${fmt(a.steeredActivation)}` : ""}`;
    }
    replace(
      recs,
      r.items.map((it) =>
        h(
          "li",
          { class: `rec${it.changed ? " entered" : ""}`, "data-item": it.item.id },
          h("span", { class: "rank", "aria-hidden": "true" }, String(it.rank)),
          itemLine(it.item),
          it.changed
            ? h("span", { class: "badge new" }, "new")
            : it.otherRank !== it.rank
              ? h("span", { class: "muted moved" }, ` was #${it.otherRank}`)
              : null,
        ),
      ),
    );
    const gone = r.unsteered.filter((it) => it.changed);
    leftTitle.hidden = gone.length === 0;
    replace(
      left,
      gone.map((it) =>
        h(
          "li",
          { class: "rec left" },
          h("s", {}, it.item.title),
          h("span", { class: "muted" }, ` was #${it.rank}`),
        ),
      ),
    );
    const moved = r.steering.boost.length + r.steering.suppress.length;
    status.textContent = moved
      ? `${r.entered.length} item${r.entered.length === 1 ? "" : "s"} entered, ${r.left.length} left · ranked in ${fmt(r.elapsedMs, 2)} ms`
      : `Unsteered top ${r.n} · ranked in ${fmt(r.elapsedMs, 2)} ms`;
  };
  const rerankNow = async (): Promise<void> => {
    if (!state.user) return;
    inflight?.abort();
    const ctrl = new AbortController();
    inflight = ctrl;
    const mine = ++seq;
    try {
      const r = await api.recommendations(state.user, activeKnobs(), 20, ctrl.signal);
      if (mine === seq) render(r);
    } catch (err) {
      if (mine === seq && !ctrl.signal.aborted) status.textContent = errorText(err);
    }
  };
  const rerank = debounce(() => void rerankNow(), 120);
  reset.addEventListener("click", () => {
    state.knobs.clear();
    for (const k of rows.values()) {
      k.input.value = "0";
      k.input.dispatchEvent(new Event("input"));
    }
  });

  const view: UserView = {
    async selectUser(id: string) {
      if (state.user !== id) {
        state.user = id;
        state.knobs.clear();
        rows.clear();
        knobs.replaceChildren();
      }
      userTitle.textContent = `Recommendations for ${id}`;
      knobsTitle.textContent = `Knobs of ${id}`;
      list
        .querySelectorAll("button")
        .forEach((b) => b.toggleAttribute("aria-current", b.firstChild?.textContent === id));
      try {
        const u = await api.user(id);
        replace(
          history,
          h("summary", {}, `History (${u.interactions} item${u.interactions === 1 ? "" : "s"})`),
          h(
            "ul",
            { class: "plain" },
            u.history.map((e) => h("li", {}, itemLine(e.item))),
          ),
        );
      } catch (err) {
        replace(history, h("summary", {}, `History unavailable: ${errorText(err)}`));
      }
      for (const [j] of state.knobs) ensureKnob(j, null);
      await rerankNow();
    },
    addKnob(neuron: number, value: number) {
      state.knobs.set(neuron, value);
      const k = ensureKnob(neuron, null);
      k.input.value = String(value);
      k.input.dispatchEvent(new Event("input"));
    },
  };
  void loadUsers();
  return view;
}
