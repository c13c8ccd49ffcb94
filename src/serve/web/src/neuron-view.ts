import { api, type NeuronDetail, type NeuronSummary } from "./api.js";
import { barChart, histogram } from "./charts.js";
import { debounce, errorText, fmt, h, itemLine, pct, replace } from "./dom.js";
import { navigate, neuronName, state } from "./state.js";
import { numParam, setParams } from "./url.js";

/** Neurons per page of the list (the URL's `per`, 5-500, overrides it). */
export const NEURON_PAGE = 50;

/** Rows per page: the URL's `per` when valid, else NEURON_PAGE. */
function perPage(): number {
  const p = numParam("per");
  return p !== undefined && Number.isInteger(p) && p >= 5 && p <= 500 ? p : NEURON_PAGE;
}

/** The Neuron browser: a searchable list and a card per neuron. */
export interface NeuronView {
  /** Shows neuron j's card; `focus` moves keyboard focus to its heading (after a click in the list). */
  show(j: number, focus?: boolean): Promise<void>;
  refresh(): Promise<void>;
  /** Restores the list's search, sort and page (0-based) and the card shown (from the URL). */
  restore(q: string, sort: string, page: number, neuron: number | undefined): Promise<void>;
}

const SCORES: [string, string][] = [
  ["purity@10", "Purity@10"],
  ["purity@20", "Purity@20"],
  ["excessPurity", "Excess purity"],
  ["kl", "Selectivity (KL)"],
  ["normalisedEntropy", "Normalised entropy"],
  ["monosemanticity", "Monosemanticity"],
  ["popularity", "Popularity"],
];

/** Builds the Neuron browser inside `root`; `onBoost` adds the neuron as a knob for the current user. */
export function mountNeuronView(root: HTMLElement, onBoost: (j: number) => void): NeuronView {
  const q = h("input", {
    id: "neuron-search",
    type: "search",
    placeholder: "label or id",
    autocomplete: "off",
  });
  const sort = h(
    "select",
    { id: "neuron-sort" },
    [
      ["id", "Id"],
      ["label", "Label"],
      ["firing", "Firing rate"],
      ["purity", "Purity"],
      ["selectivity", "Selectivity"],
      ["monosemanticity", "Monosemanticity"],
      ["support", "Item support"],
    ].map(([v, t]) => h("option", { value: v }, t)),
  );
  const count = h("p", { class: "muted", id: "neuron-count" });
  const list = h("ul", { class: "list neuron-list", "aria-label": "Neurons" });
  const prev = h("button", { type: "button", id: "neuron-prev" }, "Previous");
  const next = h("button", { type: "button", id: "neuron-next" }, "Next");
  const pageOf = h("span", { class: "muted", id: "neuron-page" });
  const card = h(
    "article",
    { class: "panel card", id: "neuron-card", "aria-label": "Neuron" },
    h("p", { class: "muted" }, "Pick a neuron to see what it stands for."),
  );
  replace(
    root,
    h(
      "div",
      { class: "grid-neurons" },
      h(
        "aside",
        { class: "panel" },
        h("h2", {}, "Neurons"),
        h("label", { for: "neuron-search" }, "Search labels"),
        q,
        h("label", { for: "neuron-sort" }, "Sort by"),
        sort,
        count,
        list,
        h("div", { class: "pager" }, prev, pageOf, next),
      ),
      card,
    ),
  );

  let current: number | undefined;
  let page = 0;
  const row = (n: NeuronSummary): HTMLElement =>
    h(
      "li",
      {},
      h(
        "button",
        {
          type: "button",
          class: "link neuron-row",
          "aria-current": n.neuron === current ? "true" : undefined,
          onClick: () => void view.show(n.neuron, true),
        },
        h("span", { class: "nid" }, `#${n.neuron}`),
        h("span", { class: "nlabel" }, n.label ?? "(unlabelled)"),
        h("span", { class: "muted" }, `fires ${pct(n.firingRate)}`),
      ),
    );
  let listSeq = 0;
  const loadList = async (): Promise<void> => {
    const mine = ++listSeq;
    const size = perPage();
    try {
      const r = await api.neurons(q.value, sort.value, size, page * size);
      if (mine !== listSeq) return;
      const pages = Math.max(1, Math.ceil(r.total / size));
      if (page >= pages && r.total > 0) {
        page = pages - 1;
        return loadList();
      }
      for (const n of r.neurons) if (n.label) state.labels.set(n.neuron, n.label);
      const from = r.total === 0 ? 0 : page * size + 1;
      count.textContent = `${r.total} live neuron${r.total === 1 ? "" : "s"}, showing ${from}–${page * size + r.neurons.length}`;
      pageOf.textContent = ` page ${page + 1} of ${pages} `;
      prev.disabled = page === 0;
      next.disabled = page + 1 >= pages;
      replace(list, r.neurons.map(row));
    } catch (err) {
      count.textContent = errorText(err);
    }
  };
  const listChanged = (mode: "push" | "replace"): void => {
    setParams(
      {
        q: q.value.trim(),
        sort: sort.value === "id" ? undefined : sort.value,
        page: page ? String(page + 1) : undefined,
      },
      mode,
    );
    void loadList();
  };
  q.addEventListener(
    "input",
    debounce(() => ((page = 0), listChanged("replace")), 200),
  );
  sort.addEventListener("change", () => ((page = 0), listChanged("replace")));
  prev.addEventListener("click", () => ((page = Math.max(0, page - 1)), listChanged("push")));
  next.addEventListener("click", () => ((page += 1), listChanged("push")));

  const renderCard = (d: NeuronDetail): void => {
    const labelInput = h("input", { id: "label-input", value: d.label ?? "", maxlength: 200 });
    const saveStatus = h("span", { class: "muted", role: "status" });
    const save = async (ev: Event): Promise<void> => {
      ev.preventDefault();
      try {
        const r = await api.setLabel(d.neuron, labelInput.value);
        state.labels.set(d.neuron, labelInput.value.trim());
        saveStatus.textContent = r.persisted ? "Saved." : "Saved (in memory only).";
        void loadList();
      } catch (err) {
        saveStatus.textContent = errorText(err);
      }
    };
    const scores = SCORES.filter(([k]) => d.scores[k] !== undefined);
    const boost = h(
      "button",
      { type: "button", class: "primary", disabled: !state.user, onClick: () => onBoost(d.neuron) },
      state.user ? `Boost for ${state.user}` : "Boost for this user (pick a user first)",
    );
    replace(
      card,
      h(
        "header",
        { class: "card-head" },
        h("h2", { tabindex: -1 }, `#${d.neuron} ${neuronName(d.neuron, d.label)}`),
        d.source ? h("span", { class: `badge src-${d.source}` }, d.source) : null,
      ),
      d.entry?.concept
        ? h("p", { class: "muted" }, `From ${d.entry.concept.kind} "${d.entry.concept.name}"`)
        : null,
      h(
        "form",
        { class: "row label-form", onSubmit: (ev: Event) => void save(ev) },
        h("label", { for: "label-input" }, "Label"),
        labelInput,
        h("button", { type: "submit" }, "Save label"),
        saveStatus,
      ),
      h(
        "div",
        { class: "row" },
        boost,
        h(
          "button",
          { type: "button", onClick: () => navigate("editor", { neuron: d.neuron }) },
          "Open in editor",
        ),
      ),
      h(
        "dl",
        { class: "stats" },
        [
          ["Firing rate", `${pct(d.firingRate)} of ${d.usersConsidered} users`],
          ["Mean activation", fmt(d.meanActivation)],
          ["Items activating", String(d.support)],
          ...scores.map(([k, t]) => [t, fmt(d.scores[k])]),
        ].flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
      ),
      h("div", { class: "cols" }, [
        h(
          "section",
          {},
          h("h3", {}, "Top items"),
          h(
            "ol",
            { class: "plain numbered" },
            d.topItems.map((t) =>
              h("li", {}, itemLine(t.item), h("span", { class: "muted" }, ` ${fmt(t.activation)}`)),
            ),
          ),
          d.sequences ? sequenceSection(d.sequences) : [],
        ),
        h(
          "section",
          {},
          h("h3", {}, "Concepts of the top items"),
          d.tagDistribution.map((t) =>
            h(
              "figure",
              {},
              barChart(
                `${t.kind} counts over the top ${t.items} items`,
                t.tags.map((x) => x.name),
                t.tags.map((x) => x.count),
                t.items,
              ),
              h("figcaption", {}, `${t.kind} (of ${t.items} top items)`),
            ),
          ),
          h("h3", {}, "Activation over users"),
          h(
            "figure",
            {},
            histogram(
              `Activation of neuron ${d.neuron} over the ${d.firingUsers} users it fires for`,
              d.histogram.edges,
              d.histogram.counts,
            ),
            h("figcaption", {}, `${d.firingUsers} users`),
          ),
          h("h3", {}, "Items it promotes most"),
          d.promotes.length
            ? h(
                "ol",
                { class: "plain numbered" },
                d.promotes.map((p) =>
                  h("li", {}, itemLine(p.item), h("span", { class: "muted" }, ` +${fmt(p.delta)}`)),
                ),
              )
            : h("p", { class: "muted" }, "None."),
        ),
      ]),
    );
  };

  const view: NeuronView = {
    async show(j: number, focus = false) {
      if (current !== j) setParams({ view: "neurons", neuron: String(j) }, "push");
      current = j;
      list
        .querySelectorAll<HTMLButtonElement>("button.neuron-row")
        .forEach((b) => b.toggleAttribute("aria-current", b.firstChild?.textContent === `#${j}`));
      try {
        renderCard(await api.neuron(j));
        if (focus) card.querySelector<HTMLElement>("h2")?.focus();
      } catch (err) {
        replace(card, h("p", { class: "error" }, errorText(err)));
      }
    },
    refresh: loadList,
    async restore(text, by, p, neuron) {
      q.value = text;
      if (Array.from(sort.options).some((o) => o.value === by)) sort.value = by;
      page = Math.max(0, p);
      await loadList();
      if (neuron !== undefined && neuron !== current) await view.show(neuron);
    },
  };
  void loadList();
  return view;
}

/** Sequential runs: the concept of sequences and the top-activating sequences, the firing item marked. */
function sequenceSection(s: NonNullable<NeuronDetail["sequences"]>): HTMLElement[] {
  const conf = s.confidence !== undefined ? ` (confidence ${fmt(s.confidence)})` : "";
  const llm =
    s.llm && "confidence" in s.llm ? `; LLM: "${s.llm.label}" (confidence ${fmt(s.llm.confidence)})` : "";
  return [
    h("h3", {}, "Top sequences"),
    h("p", { class: "muted" }, `Concept: ${s.terms.map((t) => t.term).join(", ") || "none"}${conf}${llm}`),
    h(
      "ol",
      { class: "plain numbered sequences" },
      s.top.map((t) =>
        h(
          "li",
          {},
          t.position - t.items.length + 1 > 0 ? "… › " : "",
          t.items.flatMap((it, q): (string | HTMLElement)[] => {
            const name = it.title ?? it.id;
            const last = q === t.items.length - 1;
            return last ? [h("mark", { title: "firing position" }, name)] : [name, " › "];
          }),
          h("span", { class: "muted" }, ` ${fmt(t.activation)}${t.user ? ` · user ${t.user}` : ""}`),
        ),
      ),
    ),
  ];
}
