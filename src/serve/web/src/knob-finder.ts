import { api, type KnobMatch } from "./api.js";
import { debounce, errorText, h, replace } from "./dom.js";
import { neuronName, state } from "./state.js";

/** A search box over concepts and labels of ALL neurons; picking a hit hands its neuron to `onPick`. */
export interface KnobFinder {
  readonly root: HTMLElement;
  /** Clears the box and the hits. */
  clear(): void;
}

/** What a hit says about why it matched. */
function hitText(m: KnobMatch): string {
  const name = neuronName(m.neuron, m.label);
  if (m.match === "concept") return m.text === name ? name : `${m.text} → ${name}`;
  return name;
}

/**
 * Builds a knob finder with input id `id` (its hits list is `${id}-hits`, buttons `.knob-hit`):
 * `GET /api/knobs/search` as the user types, so knobs not active for the user can be added too.
 */
export function knobFinder(
  id: string,
  label: string,
  onPick: (neuron: number, label: string | null) => void,
): KnobFinder {
  const input = h("input", {
    id,
    type: "search",
    placeholder: "concept or label, e.g. Horror",
    autocomplete: "off",
    "aria-controls": `${id}-hits`,
  });
  const hits = h("ul", { id: `${id}-hits`, class: "list knob-hits", "aria-label": "Matching knobs" });
  const run = async (): Promise<void> => {
    const q = input.value.trim();
    if (q === "") return replace(hits);
    try {
      const r = await api.knobSearch(q);
      if (input.value.trim() !== q) return;
      for (const m of r.matches) if (m.label) state.labels.set(m.neuron, m.label);
      replace(
        hits,
        r.matches.length === 0
          ? h("li", { class: "muted" }, `No concept or label contains "${q}".`)
          : r.matches.map((m) =>
              h(
                "li",
                {},
                h(
                  "button",
                  {
                    type: "button",
                    class: "link knob-hit",
                    "data-neuron": m.neuron,
                    onClick: () => onPick(m.neuron, m.label),
                  },
                  hitText(m),
                  h("span", { class: "muted" }, ` #${m.neuron}${m.match === "concept" ? " · concept" : ""}`),
                ),
              ),
            ),
      );
    } catch (err) {
      replace(hits, h("li", { class: "error" }, errorText(err)));
    }
  };
  input.addEventListener(
    "input",
    debounce(() => void run(), 150),
  );
  const root = h("div", { class: "knob-finder" }, h("label", { for: id }, label), input, hits);
  return {
    root,
    clear() {
      input.value = "";
      replace(hits);
    },
  };
}
