import { api, type ExplainView, type KnobSetting } from "./api.js";
import { errorText, fmt, h, replace } from "./dom.js";
import { neuronName } from "./state.js";

/** The "why this item" box of the User view. */
export interface WhyView {
  readonly root: HTMLElement;
  /** Explains item `item` (display id) in user `user`'s list under `knobs`; null closes the box. */
  show(user: string, item: string | null, knobs: readonly KnobSetting[]): Promise<void>;
  /** The item shown, if any. */
  readonly item: string | null;
}

/**
 * "Why this item": the neurons whose parts of the item's score put it in the list (the explain
 * route, src/serve/explain.ts: the parts sum to the score), with labels; each row has a button that
 * turns that knob (`onTurn` adds a boost for the neuron).
 */
export function mountWhyView(onTurn: (neuron: number) => void, onClose: () => void): WhyView {
  const root = h("section", { id: "why", class: "why", "aria-live": "polite", hidden: true });
  let shown: string | null = null;
  let seq = 0;
  const render = (r: ExplainView): void => {
    const it = r.items[0];
    if (!it) return replace(root, h("p", { class: "muted" }, "Nothing to explain."));
    const e = it.explanation;
    const other = e.decoderBias + e.error + e.itemTerm + e.nonLinear + e.rest.contribution;
    replace(
      root,
      h(
        "header",
        { class: "row" },
        h("h3", { id: "why-title" }, `Why “${it.title ?? it.id}”`),
        h("button", { type: "button", class: "link", id: "why-close", onClick: onClose }, "Close"),
      ),
      h(
        "p",
        { class: "muted" },
        `${it.rank ? `Rank ${it.rank}` : "Not in the list"} · score ${fmt(e.score)} · ` +
          (e.method === "exact" ? "exact split of the score" : "gradient × activation attribution"),
      ),
      h(
        "table",
        { class: "table", id: "why-table" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, "Neuron"),
            h("th", { scope: "col" }, "Activation"),
            h("th", { scope: "col" }, "Part of score"),
            h("th", { scope: "col" }, ""),
          ),
        ),
        h(
          "tbody",
          {},
          e.top.map((c) =>
            h(
              "tr",
              { "data-neuron": c.neuron },
              h("td", {}, neuronName(c.neuron, c.label), h("span", { class: "muted" }, ` #${c.neuron}`)),
              h("td", {}, fmt(c.activation)),
              h("td", {}, `${c.contribution >= 0 ? "+" : ""}${fmt(c.contribution)}`),
              h(
                "td",
                {},
                h(
                  "button",
                  { type: "button", class: "turn-knob", onClick: () => onTurn(c.neuron) },
                  "Turn this knob",
                ),
              ),
            ),
          ),
        ),
      ),
      h(
        "p",
        { class: "muted" },
        `Everything else (other neurons, biases, reconstruction error): ${other >= 0 ? "+" : ""}${fmt(other)}`,
      ),
    );
  };
  return {
    root,
    get item() {
      return shown;
    },
    async show(user, item, knobs) {
      shown = item;
      const mine = ++seq;
      if (item === null) {
        root.hidden = true;
        replace(root);
        return;
      }
      root.hidden = false;
      replace(root, h("p", { class: "muted" }, "Explaining…"));
      try {
        const r = await api.explain(user, item, knobs);
        if (mine === seq) render(r);
      } catch (err) {
        if (mine === seq) replace(root, h("p", { class: "error" }, errorText(err)));
      }
    },
  };
}
