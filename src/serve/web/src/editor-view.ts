import {
  api,
  type ItemView,
  type PromoteAudienceRunResult,
  type PromotionView,
  type ReachView,
} from "./api.js";
import { debounce, errorText, fmt, h, itemLine, replace } from "./dom.js";
import { knobFinder } from "./knob-finder.js";
import { navigate, neuronName, state } from "./state.js";
import { setParams } from "./url.js";

/** The Editor view: who a concept would reach, and item promotion. */
export interface EditorView {
  /** Makes neuron j the editor's target (kept until another is picked). */
  pick(j: number): void;
  refresh(): Promise<void>;
  /** The target neuron, if any. */
  readonly target: number | undefined;
  /** Restores target, boost strength and list length (from the URL). */
  restore(target: number | undefined, strengthValue: number | undefined, nValue: number | undefined): void;
}

/** Builds the Editor view inside `root`. */
export function mountEditorView(root: HTMLElement): EditorView {
  let target: number | undefined;
  const targetOut = h(
    "p",
    { id: "editor-target", class: "target", role: "status" },
    "No concept chosen: search for one.",
  );
  const finder = knobFinder("editor-search", "Concept (search all neurons)", (j) => {
    view.pick(j);
    finder.clear();
  });
  const reachStrength = h("input", {
    id: "editor-strength",
    type: "range",
    min: 0,
    max: 1,
    step: 0.05,
    value: 0.3,
  });
  const reachStrengthOut = h("output", { for: "editor-strength" }, "0.3");
  const n = h("input", { id: "editor-n", type: "number", min: 1, max: 100, value: 20 });
  const reachBtn = h("button", { type: "submit", class: "primary" }, "Preview reach");
  const reachOut = h("div", { id: "reach", "aria-live": "polite" });
  const itemSearch = h("input", {
    id: "promote-search",
    type: "search",
    placeholder: "title or id",
    autocomplete: "off",
  });
  const itemList = h("ul", { class: "list", "aria-label": "Matching items" });
  const chosen = h("p", { class: "muted", role: "status" }, "No item chosen.");
  const strength = h("input", {
    id: "promote-strength",
    type: "number",
    min: 0,
    max: 1000,
    step: 0.1,
    value: 1,
  });
  const audience = h("input", {
    id: "promote-audience",
    type: "text",
    placeholder: "e.g. style:Metal, Children's, age=1 (empty: all users)",
    autocomplete: "off",
  });
  const promoteBtn = h("button", { type: "submit", class: "primary", disabled: true }, "Preview promotion");
  const promoteOut = h("div", { id: "promote", "aria-live": "polite" });
  let item: ItemView | undefined;

  reachStrength.addEventListener("input", () => {
    reachStrengthOut.textContent = reachStrength.value;
    setParams({ strength: reachStrength.value }, "replace");
  });
  n.addEventListener("change", () => setParams({ n: n.value }, "replace"));
  replace(
    root,
    h(
      "div",
      { class: "grid-editor" },
      h(
        "section",
        { class: "panel", "aria-labelledby": "reach-title" },
        h("h2", { id: "reach-title" }, "Reach of a concept"),
        h("p", { class: "muted" }, "Boost one concept for every user and see whose lists change."),
        h(
          "form",
          { class: "form", onSubmit: (ev: Event) => (ev.preventDefault(), void runReach()) },
          finder.root,
          targetOut,
          h("label", { for: "editor-strength" }, "Boost strength (0 = unchanged, 1 = the concept dominates)"),
          h("div", { class: "row" }, reachStrength, reachStrengthOut),
          h("label", { for: "editor-n" }, "List length"),
          n,
          h("div", { class: "row" }, reachBtn),
        ),
        reachOut,
      ),
      h(
        "section",
        { class: "panel", "aria-labelledby": "promote-title" },
        h("h2", { id: "promote-title" }, "Promote an item"),
        h(
          "p",
          { class: "muted" },
          "Raise the chosen concept in one item's code; see which users would newly receive it.",
        ),
        h(
          "form",
          { class: "form", onSubmit: (ev: Event) => (ev.preventDefault(), void runPromote()) },
          h("label", { for: "promote-search" }, "Find an item"),
          itemSearch,
          itemList,
          chosen,
          h("label", { for: "promote-strength" }, "Strength (code units)"),
          strength,
          h(
            "label",
            { for: "promote-audience" },
            "Audience (optional: rank for these users; neuron = the chosen concept, else picked for them)",
          ),
          audience,
          h("div", { class: "row" }, promoteBtn),
        ),
        promoteOut,
      ),
    ),
  );

  const renderReach = (r: ReachView): void => {
    replace(
      reachOut,
      h("h3", {}, `${neuronName(r.neuron, r.label)} at strength ${r.strength}`),
      h(
        "dl",
        { class: "stats" },
        [
          ["Users considered", String(r.usersConsidered)],
          ["Already active for", String(r.usersActive)],
          ["Lists changed", String(r.usersChanged)],
          ["Mean items entering", fmt(r.meanEntered)],
        ].flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
      ),
      h("h4", {}, "Items entering most lists"),
      h(
        "ol",
        { class: "plain numbered" },
        r.topEntered.map((t) =>
          h("li", {}, itemLine(t.item), h("span", { class: "muted" }, ` ${t.users} users`)),
        ),
      ),
      h("h4", {}, "Users most affected"),
      h(
        "table",
        { class: "table" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, "User"),
            h("th", { scope: "col" }, "Activation"),
            h("th", { scope: "col" }, "Entered"),
            h("th", { scope: "col" }, "First new items"),
          ),
        ),
        h(
          "tbody",
          {},
          r.users.map((u) =>
            h(
              "tr",
              {},
              h(
                "td",
                {},
                h(
                  "button",
                  {
                    type: "button",
                    class: "link",
                    onClick: () => (state.knobs.clear(), navigate("user", { user: u.id, neuron: r.neuron })),
                  },
                  u.id,
                ),
              ),
              h("td", {}, fmt(u.activation)),
              h("td", {}, String(u.enteredCount)),
              h("td", {}, u.entered.map((i) => i.title).join(", ")),
            ),
          ),
        ),
      ),
    );
  };
  const runReach = async (): Promise<void> => {
    if (target === undefined)
      return void replace(reachOut, h("p", { class: "error" }, "Choose a concept first."));
    const j = target;
    replace(reachOut, h("p", { class: "muted" }, "Working…"));
    try {
      renderReach(await api.reach(j, Number(reachStrength.value), Number(n.value)));
    } catch (err) {
      replace(reachOut, h("p", { class: "error" }, errorText(err)));
    }
  };

  const searchItems = async (): Promise<void> => {
    try {
      const r = await api.items(itemSearch.value);
      replace(
        itemList,
        r.items.slice(0, 8).map((it) =>
          h(
            "li",
            {},
            h(
              "button",
              {
                type: "button",
                class: "link",
                onClick: () => (
                  (item = it),
                  (chosen.textContent = `Chosen: ${it.title} (${it.id})`),
                  (promoteBtn.disabled = false)
                ),
              },
              it.title,
            ),
          ),
        ),
      );
    } catch (err) {
      replace(itemList, h("li", { class: "error" }, errorText(err)));
    }
  };
  itemSearch.addEventListener(
    "input",
    debounce(() => void searchItems(), 200),
  );

  const renderPromotion = (p: PromotionView): void => {
    replace(
      promoteOut,
      h("h3", {}, `${p.item.title} + ${neuronName(p.neuron, p.label)} × ${p.strength}`),
      h(
        "dl",
        { class: "stats" },
        [
          ["Users considered", String(p.usersConsidered)],
          ["In top-" + p.n + " before", String(p.baselineInTopN)],
          ["In top-" + p.n + " after", String(p.usersInTopN)],
          ["Newly receive it", String(p.entered.count)],
          ["Mean rank gain", fmt(p.meanRankGain)],
        ].flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
      ),
      h(
        "p",
        { class: "muted" },
        `The item's own neurons: ${p.itemNeurons.map((a) => `${neuronName(a.neuron, a.label)} ${fmt(a.activation)}`).join(", ") || "none"}`,
      ),
      h(
        "h4",
        {},
        p.entered.count > p.entered.users.length
          ? `Users who would newly receive it (first ${p.entered.users.length} of ${p.entered.count})`
          : "Users who would newly receive it",
      ),
      p.entered.users.length
        ? h(
            "ul",
            { class: "plain user-grid" },
            p.entered.users.map((u) =>
              h(
                "li",
                {},
                h(
                  "button",
                  { type: "button", class: "link", onClick: () => navigate("user", { user: u.id }) },
                  u.id,
                ),
                h("span", { class: "muted" }, ` rank ${u.rankBefore} → ${u.rankAfter}`),
              ),
            ),
          )
        : h("p", { class: "muted" }, "Nobody at this strength."),
    );
  };
  const renderAudience = (a: PromoteAudienceRunResult): void => {
    const p = a.points[0];
    replace(
      promoteOut,
      h("h3", {}, `${a.item.title ?? a.item.id} + ${neuronName(a.neuron, a.label ?? null)} × ${p.strength}`),
      h("p", { class: "muted" }, `Audience "${a.audience}": ${a.definition}`),
      h(
        "dl",
        { class: "stats" },
        [
          ["Audience users (not seen it)", `${a.audienceUsers} (${a.eligibleUsers})`],
          ["Mean rank before → after", `${fmt(p.meanRankBefore)} → ${fmt(p.meanRankAfter)}`],
          [
            `In top-${a.n} before → after`,
            `${fmt(100 * p.shareInTopNBefore)}% → ${fmt(100 * p.shareInTopN)}%`,
          ],
          ["Rest of the list kept (RBO)", fmt(p.rboRest)],
          [
            `Other users in top-${a.n}`,
            `${fmt(100 * p.othersShareInTopNBefore)}% → ${fmt(100 * p.othersShareInTopN)}%`,
          ],
        ].flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
      ),
    );
  };
  const runPromote = async (): Promise<void> => {
    if (!item) return;
    if (audience.value.trim() !== "") {
      replace(promoteOut, h("p", { class: "muted" }, "Working…"));
      try {
        renderAudience(
          await api.promoteAudience(
            item.id,
            audience.value.trim(),
            Number(strength.value),
            Number(n.value),
            target,
          ),
        );
      } catch (err) {
        replace(promoteOut, h("p", { class: "error" }, errorText(err)));
      }
      return;
    }
    if (target === undefined)
      return void replace(promoteOut, h("p", { class: "error" }, "Choose a concept first."));
    replace(promoteOut, h("p", { class: "muted" }, "Working…"));
    try {
      renderPromotion(await api.promote(item.id, target ?? 0, Number(strength.value), Number(n.value)));
    } catch (err) {
      replace(promoteOut, h("p", { class: "error" }, errorText(err)));
    }
  };

  const showTarget = (j: number, label: string | null | undefined): void => {
    targetOut.textContent = `Concept: ${neuronName(j, label)} (#${j})`;
    targetOut.setAttribute("data-neuron", String(j));
  };
  const view: EditorView = {
    get target() {
      return target;
    },
    pick(j: number) {
      if (target !== j) setParams({ view: "editor", target: String(j) }, "push");
      target = j;
      showTarget(j, state.labels.get(j));
      // The label may not be known to the panel yet: fetch it, but only ever for this same target.
      void api
        .neuron(j)
        .then((d) => {
          if (d.label) state.labels.set(j, d.label);
          if (target === j) showTarget(j, d.label);
        })
        .catch((err: unknown) => {
          if (target === j) targetOut.textContent = errorText(err);
        });
    },
    async refresh() {
      if (target !== undefined) showTarget(target, state.labels.get(target));
    },
    restore(t, a, len) {
      if (a !== undefined && a >= 0 && a <= 1) {
        reachStrength.value = String(a);
        reachStrengthOut.textContent = reachStrength.value;
      }
      if (len !== undefined && len >= 1 && len <= 100) n.value = String(Math.round(len));
      if (t !== undefined) view.pick(t);
    },
  };
  void view.refresh();
  return view;
}
