import { api, type ColdStartView, type RecommendationView } from "./api.js";
import { debounce, errorText, fmt, h, itemLine, replace } from "./dom.js";
import { knobFinder } from "./knob-finder.js";
import { activeKnobs, neuronName, state } from "./state.js";
import { formatKnobs, setParams } from "./url.js";
import { mountWhyView } from "./why-view.js";

const PAGE = 15;
/** Value a knob gets when added from the finder or "why this item". */
export const ADDED_KNOB_VALUE = 0.3;

/** The User view: pick a user (or start a new one), move labelled knobs, watch the list re-rank. */
export interface UserView {
  selectUser(id: string): Promise<void>;
  /** "New user" mode: no history, recommendations from the chosen knobs alone (cold start). */
  startNewUser(): Promise<void>;
  /** No user selected (e.g. Back to a URL without one): clears the user, knobs and lists. */
  clearUser(): void;
  addKnob(neuron: number, value: number): void;
  /** Sets every knob at once (from the URL) and re-ranks. */
  setKnobs(knobs: ReadonlyMap<number, number>): Promise<void>;
  /** Opens (item id) or closes (null) "why this item". */
  explain(item: string | null): Promise<void>;
  /**
   * A run without an SAE: no knobs, no new user, no "why this item" (the model's own list and the
   * history only); `note` (how to train an SAE) is shown instead of the knobs.
   */
  withoutSae(note: string): void;
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
  const newUser = h(
    "button",
    { type: "button", id: "new-user", onClick: () => void view.startNewUser() },
    "New user (start from knobs)",
  );
  const knobsTitle = h("h2", { id: "knobs-title" }, "Knobs");
  const knobsHelp = h("p", { class: "muted", id: "knobs-help" });
  const noSaeNote = h("p", { class: "muted", id: "no-sae", hidden: true });
  const knobs = h("div", { id: "knobs", class: "knobs", role: "group", "aria-labelledby": "knobs-title" });
  const reset = h("button", { type: "button", id: "reset-knobs" }, "Reset knobs");
  const resetRow = h("div", { class: "row" }, reset);
  const newUserRow = h("div", { class: "row" }, newUser);
  /** False for a run without an SAE (see withoutSae). */
  let withSae = true;
  const finder = knobFinder("knob-search", "Find a knob by concept", (j, label) => {
    if (label) state.labels.set(j, label);
    view.addKnob(j, Math.max(state.knobs.get(j) ?? 0, ADDED_KNOB_VALUE));
    finder.clear();
  });
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
  const why = mountWhyView(
    (j) => view.addKnob(j, Math.max(state.knobs.get(j) ?? 0, ADDED_KNOB_VALUE)),
    () => void view.explain(null),
  );

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
        newUserRow,
      ),
      h(
        "section",
        { class: "panel", "aria-labelledby": "knobs-title" },
        knobsTitle,
        knobsHelp,
        noSaeNote,
        finder.root,
        knobs,
        resetRow,
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
        why.root,
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
    v > 0 ? `strength ${fmt(v, 2)}` : v < 0 ? `suppress ${Math.round(-v * 100)}%` : "unchanged";
  const setRow = (k: KnobRow, v: number): void => {
    k.input.value = String(v);
    k.out.textContent = knobText(v);
    k.input.setAttribute("aria-valuetext", knobText(v));
    k.row.classList.toggle("moved", v !== 0);
  };
  const ensureKnob = (j: number, label: string | null): KnobRow => {
    let k = rows.get(j);
    if (k) return k;
    const id = `knob-${j}`;
    const value = state.knobs.get(j) ?? 0;
    const input = h("input", {
      id,
      type: "range",
      min: state.newUser ? 0 : -1,
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
    k = { row, input, out, desc, name };
    const kr = k;
    input.addEventListener("input", () => {
      const v = Number(input.value);
      state.knobs.set(j, v);
      setRow(kr, v);
      setParams({ knobs: formatKnobs(state.knobs) }, "replace");
      rerank();
    });
    setRow(k, value);
    rows.set(j, k);
    knobs.append(row);
    return k;
  };
  const clearKnobs = (): void => {
    state.knobs.clear();
    rows.clear();
    knobs.replaceChildren();
  };

  const itemRow = (
    rank: number,
    it: { item: Parameters<typeof itemLine>[0] & { id: string } },
    extra: (HTMLElement | null)[],
  ): HTMLElement =>
    h(
      "li",
      { class: "rec", "data-item": it.item.id },
      h("span", { class: "rank", "aria-hidden": "true" }, String(rank)),
      withSae ? whyButton(it) : h("span", {}, itemLine(it.item)),
      extra,
    );
  const whyButton = (it: { item: Parameters<typeof itemLine>[0] & { id: string } }): HTMLElement =>
    h(
      "button",
      {
        type: "button",
        class: "link why-btn",
        title: "Why this item?",
        "aria-pressed": why.item === it.item.id ? "true" : "false",
        onClick: () => void view.explain(why.item === it.item.id ? null : it.item.id),
      },
      itemLine(it.item),
    );

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
      r.items.map((it) => {
        const li = itemRow(it.rank, it, [
          it.changed
            ? h("span", { class: "badge new" }, "new")
            : it.otherRank !== it.rank
              ? h("span", { class: "muted moved" }, ` was #${it.otherRank}`)
              : null,
        ]);
        if (it.changed) li.classList.add("entered");
        return li;
      }),
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
  const renderColdStart = (r: ColdStartView): void => {
    for (const k of r.knobs) {
      const row = ensureKnob(k.neuron, k.label);
      row.name.textContent = neuronName(k.neuron, k.label);
      row.desc.textContent = `activation ${fmt(k.activation)} (typical ${fmt(k.level)})`;
    }
    replace(
      recs,
      r.items.map((it) => itemRow(it.rank, it, [])),
    );
    leftTitle.hidden = true;
    replace(left);
    status.textContent = `New user: top ${r.items.length} from ${r.knobs.length} knob${r.knobs.length === 1 ? "" : "s"} alone`;
  };
  const rerankNow = async (): Promise<void> => {
    if (!state.user && !state.newUser) return;
    inflight?.abort();
    const ctrl = new AbortController();
    inflight = ctrl;
    const mine = ++seq;
    try {
      if (state.newUser) {
        const chosen = activeKnobs().filter((k) => k.value > 0);
        if (chosen.length === 0) {
          replace(recs);
          status.textContent = "New user: find a concept knob and turn it up to get recommendations.";
          return;
        }
        const r = await api.coldStart(chosen, 20, ctrl.signal);
        if (mine === seq) renderColdStart(r);
      } else {
        const r = await api.recommendations(state.user as string, activeKnobs(), 20, ctrl.signal);
        if (mine === seq) render(r);
        if (mine === seq && why.item) void why.show(state.user as string, why.item, activeKnobs());
      }
    } catch (err) {
      if (mine === seq && !ctrl.signal.aborted) status.textContent = errorText(err);
    }
  };
  const rerank = debounce(() => void rerankNow(), 120);
  reset.addEventListener("click", () => {
    for (const [j, k] of rows) {
      state.knobs.set(j, 0);
      setRow(k, 0);
    }
    state.knobs.clear();
    setParams({ knobs: undefined }, "replace");
    void rerankNow();
  });

  const markCurrent = (id: string | undefined): void =>
    list
      .querySelectorAll("button")
      .forEach((b) => b.toggleAttribute("aria-current", b.firstChild?.textContent === id));

  const view: UserView = {
    async selectUser(id: string) {
      if (state.user !== id || state.newUser) {
        state.user = id;
        state.newUser = false;
        clearKnobs();
        void why.show(id, null, []);
        setParams({ view: "user", user: id, new: undefined, knobs: undefined, why: undefined }, "push");
      }
      userTitle.textContent = `Recommendations for ${id}`;
      knobsTitle.textContent = withSae ? `Knobs of ${id}` : `History of ${id}`;
      knobsHelp.textContent =
        "Each knob is a labelled SAE neuron active for this user; find any other by concept above. Right boosts the concept (strength 0 = unchanged to 1 = it dominates), left suppresses it. Click an item to see why it is there.";
      markCurrent(id);
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
    async startNewUser() {
      if (!state.newUser) {
        state.user = undefined;
        state.newUser = true;
        clearKnobs();
        void why.show("", null, []);
        setParams({ view: "user", new: "1", user: undefined, knobs: undefined, why: undefined }, "push");
      }
      markCurrent(undefined);
      userTitle.textContent = "Recommendations for a new user";
      knobsTitle.textContent = "Knobs of a new user";
      knobsHelp.textContent =
        "A new user has no history: find concept knobs and turn them up (strength 0 to 1, as a boost). The list is decoded from those knobs alone.";
      replace(history);
      for (const [j] of state.knobs) ensureKnob(j, null);
      await rerankNow();
    },
    clearUser() {
      if (state.user === undefined && !state.newUser) return;
      inflight?.abort();
      seq++;
      state.user = undefined;
      state.newUser = false;
      clearKnobs();
      void why.show("", null, []);
      markCurrent(undefined);
      userTitle.textContent = "Recommendations";
      knobsTitle.textContent = "Knobs";
      knobsHelp.textContent = "";
      replace(history);
      replace(recs);
      leftTitle.hidden = true;
      replace(left);
      status.textContent = "Pick a user to see their recommendations.";
    },
    addKnob(neuron: number, value: number) {
      state.knobs.set(neuron, value);
      const k = ensureKnob(neuron, null);
      k.input.value = String(value);
      k.input.dispatchEvent(new Event("input"));
    },
    async setKnobs(values) {
      for (const [j, k] of rows) setRow(k, values.get(j) ?? 0);
      state.knobs.clear();
      for (const [j, v] of values) {
        state.knobs.set(j, v);
        setRow(ensureKnob(j, null), v);
      }
      await rerankNow();
    },
    withoutSae(note: string) {
      withSae = false;
      // style too: .knobs and .row set their own display, which the hidden attribute does not override
      for (const el of [finder.root, knobs, resetRow, newUserRow, knobsHelp]) {
        el.hidden = true;
        el.style.display = "none";
      }
      knobsTitle.textContent = state.user ? `History of ${state.user}` : "History";
      noSaeNote.textContent = `No knobs: ${note}.`;
      noSaeNote.hidden = false;
      if (state.user) void rerankNow(); // re-render the list without "why" buttons
    },
    async explain(item) {
      recs
        .querySelectorAll<HTMLButtonElement>("button.why-btn")
        .forEach((b) =>
          b.setAttribute("aria-pressed", String(b.closest("li")?.getAttribute("data-item") === item)),
        );
      setParams({ why: item ?? undefined }, "replace");
      if (item !== null && !state.user) {
        why.root.hidden = false;
        replace(
          why.root,
          h(
            "p",
            { class: "muted" },
            "A new user's items come from the knobs alone: the knobs are the explanation.",
          ),
        );
        return;
      }
      await why.show(state.user ?? "", item, activeKnobs());
    },
  };
  void loadUsers();
  return view;
}
